"""`tenantctl completion`: each script is valid in its shell and offers every command and flag."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from controller.cli import build_parser, main
from controller.cli.completion import SHELLS, commands

# Syntax is checked in each shell installed here: bash always; .ci/run installs zsh and fish, so
# that CI checks all three (a test below makes sure of it).
INSTALLED = [shell for shell in SHELLS if shutil.which(shell)]
CHECK = {"bash": ["bash", "-n"], "zsh": ["zsh", "-n"], "fish": ["fish", "--no-execute"]}
# Read at import: the tests themselves run outside CI (see tests/conftest.py).
IN_CI = os.environ.get("CI", "").lower() == "true"


def script_of(shell: str, capsys: pytest.CaptureFixture[str]) -> str:
    capsys.readouterr()
    assert main(["completion", shell]) == 0
    return capsys.readouterr().out


def test_ci_checks_the_syntax_in_every_shell() -> None:
    assert "bash" in INSTALLED
    if IN_CI:
        assert list(SHELLS) == INSTALLED, "CI must check every shell: see .ci/run"


@pytest.mark.parametrize("shell", INSTALLED)
def test_the_script_is_valid_for_its_shell(
    shell: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / f"tenantctl.{shell}"
    path.write_text(script_of(shell, capsys))
    checked = subprocess.run([*CHECK[shell], str(path)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr


@pytest.mark.parametrize("shell", SHELLS)
def test_the_script_lists_every_command_flag_and_choice(
    shell: str, capsys: pytest.CaptureFixture[str]
) -> None:
    text = script_of(shell, capsys)
    for command in commands(build_parser()):
        assert command.name in text
        for option in command.options:
            long = next(f for f in option.flags if f.startswith("--"))
            assert (long if shell != "fish" else f"-l {long[2:]}") in text, (command.name, long)
            for choice in option.choices:
                assert choice in text
    for name in ("status", "connection", "import", "completion"):
        assert name in text


def test_bash_completes_commands_choices_and_tenant_ids(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "tenants").mkdir()
    for tenant in ("acme", "globex"):
        (tmp_path / "tenants" / f"{tenant}.yaml").write_text("plan: pro\n")
    path = tmp_path / "tenantctl.bash"
    path.write_text(script_of("bash", capsys))
    probe = (
        f"source {path}\n"
        'COMP_WORDS=(tenantctl st); COMP_CWORD=1; _tenantctl; echo "${COMPREPLY[*]}"\n'
        'COMP_WORDS=(tenantctl status --format ""); COMP_CWORD=3; _tenantctl; '
        'echo "${COMPREPLY[*]}"\n'
        'COMP_WORDS=(tenantctl show ""); COMP_CWORD=2; _tenantctl; echo "${COMPREPLY[*]}"\n'
    )
    done = subprocess.run(["bash", "-c", probe], cwd=tmp_path, capture_output=True, text=True)
    assert done.stdout.splitlines() == ["status", "table json csv", "acme globex"], done.stderr
