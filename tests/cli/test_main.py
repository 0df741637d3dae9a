"""The command-line front: help, usage errors and their exit codes."""

from __future__ import annotations

import os
import sys

import pytest

from controller.cli import main
from tests.spec.fleet_builder import REPO_ROOT


def test_a_bad_flag_exits_1_not_2_which_means_changes_present(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["plan", "--detailed-exitcode", "--no-such-flag"])
    assert exited.value.code == 1
    assert "tenantctl: error: unrecognized arguments: --no-such-flag" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exited:
        main(["plan", "--format", "xml"])
    assert exited.value.code == 1
    assert "tenantctl plan: error: argument --format: invalid choice: 'xml'" in (
        capsys.readouterr().err
    )


def test_no_command_prints_help_and_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 1
    err = capsys.readouterr().err
    for command in ("validate", "show", "schema", "plan", "apply", "adopt", "usage", "emulator"):
        assert command in err


def test_every_command_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    for command in ("validate", "show", "schema", "plan", "apply", "adopt", "usage", "emulator"):
        with pytest.raises(SystemExit) as exited:
            main([command, "--help"])
        assert exited.value.code == 0
        assert f"usage: tenantctl {command}" in capsys.readouterr().out


def test_output_into_a_closed_pipe_ends_quietly(monkeypatch: pytest.MonkeyPatch) -> None:
    reader, writer = os.pipe()
    os.close(reader)  # like `tenantctl schema | head` after head has exited
    with os.fdopen(writer, "w") as closed_pipe:
        monkeypatch.setattr(sys, "stdout", closed_pipe)
        assert main(["schema", "--kind", "all"]) == 0


def test_an_error_message_cannot_drive_the_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    # A tenant id from the command line, echoed in the error, with an escape sequence in it.
    assert main(["show", "acme\x1b[2J", "--dir", str(REPO_ROOT)]) == 1
    err = capsys.readouterr().err
    assert "\x1b" not in err
    assert "acme\\x1b[2J" in err
