"""`tenantctl run --once`: one cycle with apply's exit codes; flags checked before anything runs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from controller.cli import main
from tests.loop.test_reconciler import copy_fleet


def test_once_converges_on_the_embedded_emulator_and_fails_on_an_invalid_fleet(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CI", raising=False)
    fleet = copy_fleet(tmp_path)
    assert main(["run", "--once", "--emulator", "--dir", str(fleet)]) == 0
    assert main(["plan", "--emulator", "--detailed-exitcode", "--dir", str(fleet)]) == 0
    (fleet / "tenants" / "wayne.yaml").write_text("plan: pro\nstate: sleeping\n")
    capsys.readouterr()
    assert main(["run", "--once", "--emulator", "--dir", str(fleet)]) == 1
    assert (
        "tenants/wayne.yaml:2:8: state: 'sleeping' is not a tenant state" in capsys.readouterr().err
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--dir", ".", "--git", "file:///r.git"],
            "argument --git: not allowed with argument --dir",
        ),
        (["--interval", "0s"], "argument --interval: '0s' is shorter than 1 s"),
        (["--notify-url", "ftp://x"], "expected an http:// or https:// URL"),
        (["--path", "sub"], "--workdir and --path go with --git"),
        (["--listen", "nowhere"], "--listen 'nowhere': expected HOST:PORT"),
    ],
)
def test_bad_flags_are_refused_before_anything_runs(
    args: list[str],
    message: str,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: Any,
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CI", raising=False)
    try:
        code = main(["run", "--emulator", *args])
    except SystemExit as exit_:  # argparse's own errors
        code = int(exit_.code or 0)
    assert code == 1
    assert message in capsys.readouterr().err
