"""Commands that send nothing never load the HTTP client or the emulator (startup time).

Each command runs in a fresh interpreter with `-X importtime`, which lists every module the
process imported; the heavy ones must not be among them.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
HEAVY = ("httpx", "controller.emulator", "controller.neon", "uvicorn", "starlette")


def imported_modules(*argv: str) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "controller", *argv],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode in (0, 1), done.stderr[-2000:]
    lines = [line for line in done.stderr.splitlines() if line.startswith("import time:")]
    return {line.rsplit("|", 1)[-1].strip() for line in lines}


@pytest.mark.parametrize(
    "argv",
    [("validate",), ("show", "acme"), ("schema", "--kind", "tenant"), ("--help",)],
    ids=["validate", "show", "schema", "help"],
)
def test_a_command_that_sends_nothing_imports_neither_client_nor_emulator(
    argv: tuple[str, ...],
) -> None:
    modules = imported_modules(*argv)
    assert "controller.cli" in modules  # the listing is real
    assert sorted(m for m in modules if m.startswith(HEAVY)) == []


def test_a_command_that_talks_to_neon_does_load_the_client() -> None:
    assert "httpx" in imported_modules("plan", "--help")
