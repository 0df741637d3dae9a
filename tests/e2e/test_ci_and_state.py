"""`CI=true` without a key guards every command that reads Neon; `.tenantctl/` stays out of git."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

REFUSAL = "CI=true and no NEON_API_KEY: refusing to"


@pytest.fixture
def no_neon(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("NEON_API_KEY", "NEON_API_HOST", "NEON_ORG_ID", "CI"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.usefixtures("no_neon")
@pytest.mark.parametrize(
    "command",
    [
        ("plan",),
        ("apply", "--yes"),
        ("usage",),
        ("status",),
        ("connection", "acme"),
        ("import", "--plan", "pro"),
        ("adopt", "acme", "--project-id", "cold-bonus-61650555"),
    ],
)
def test_in_ci_every_command_that_reads_neon_refuses_the_embedded_emulator(
    cli: Any, fleet_dir: Path, monkeypatch: pytest.MonkeyPatch, command: tuple[str, ...]
) -> None:
    monkeypatch.setenv("CI", "true")
    refused = cli(*command)
    assert refused.code == 1
    assert REFUSAL in refused.err
    assert "pass --emulator to use the emulator on purpose" in refused.err
    assert refused.out == ""
    assert not (fleet_dir / ".tenantctl").exists()


@pytest.mark.usefixtures("no_neon")
def test_in_ci_emulator_flag_allows_a_read(
    cli: Any, fleet_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CI", "true")
    assert cli("status", "--emulator").code == 0
    assert cli("usage", "--emulator").code == 0


@pytest.mark.usefixtures("no_neon")
def test_creating_the_state_folder_adds_it_to_gitignore_once(cli: Any, fleet_dir: Path) -> None:
    (fleet_dir / ".gitignore").write_text("*.pyc")  # no newline at the end
    assert cli("plan").code == 0
    assert cli("status").code == 0
    ignore = (fleet_dir / ".gitignore").read_text()
    comment = "# tenantctl's local state and caches (added by tenantctl)"
    assert ignore == f"*.pyc\n{comment}\n.tenantctl/\n"
    assert "warning" not in cli("validate").err


@pytest.mark.usefixtures("no_neon")
def test_validate_warns_when_the_state_folder_is_not_ignored(cli: Any, fleet_dir: Path) -> None:
    (fleet_dir / ".tenantctl").mkdir()
    warned = cli("validate")
    assert warned.code == 0
    assert (
        "warning: .tenantctl/: local state and caches that git does not ignore; add the line "
        "`.tenantctl/` to .gitignore" in warned.err
    )
    (fleet_dir / ".gitignore").write_text("/.tenantctl\n")
    assert "warning" not in cli("validate").err
