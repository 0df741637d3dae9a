"""`tenantctl emulator`: flags, the listening line, and one-line errors instead of tracebacks."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from controller.cli import main
from controller.cli.common import EXIT_ERROR
from tests.support.contract import ValidatingTransport
from tests.support.fixtures_emulator import ServerFactory


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield holder.getsockname()[1]


def test_a_busy_port_is_a_one_line_error(
    busy_port: int, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["emulator", "--port", str(busy_port)]) == EXIT_ERROR
    error = capsys.readouterr().err
    assert error.startswith(f"tenantctl: error: cannot listen on 127.0.0.1:{busy_port}: ")
    assert error.count("\n") == 1


def test_an_unusable_state_file_is_a_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state = tmp_path / "state.sqlite3"
    state.write_text("not a database " * 100)
    assert main(["emulator", "--port", "0", "--state", str(state)]) == EXIT_ERROR
    error = capsys.readouterr().err
    assert error.startswith(f"tenantctl: error: cannot open emulator state file {state}")
    assert error.count("\n") == 1


@pytest.mark.parametrize(
    ("flag", "value", "reason"),
    [
        ("--port", "70000", "outside 0..65535"),
        ("--rate-per-minute", "-1", "is negative"),
        ("--operation-seconds", "nan", "not a finite number"),
        ("--burst-per-second", "lots", "is not a whole number"),
        ("--max-body-bytes", "0", "must be at least 1"),
        ("--max-body-bytes", "1MB", "is not a whole number"),
        ("--idle-timeout", "0", "not a finite number > 0"),
        ("--request-timeout", "inf", "not a finite number > 0"),
    ],
)
def test_bad_flags_are_usage_errors(
    flag: str, value: str, reason: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["emulator", flag, value])
    assert exit_info.value.code == 1
    assert reason in capsys.readouterr().err


def test_the_listening_line_gives_the_port_picked_and_the_api_key_never_shows(
    emulator_server_factory: ServerFactory,
) -> None:
    server = emulator_server_factory(
        api_key="s3cret-test-key-123", control_key="c0ntrol-secret-456"
    )
    line = re.search(r"emulator_listening host=(\S+) port=(\d+) base_url=(\S+)", server.log())
    assert line is not None
    assert line.groups() == ("127.0.0.1", str(server.port), server.base_url)
    with httpx.Client(transport=ValidatingTransport(httpx.HTTPTransport())) as http:
        refused = http.get(
            server.base_url + "/projects", headers={"Authorization": "Bearer nope-x1"}
        )
    assert refused.status_code == 401
    server.stop()
    assert "s3cret-test-key-123" not in server.log()
    assert "c0ntrol-secret-456" not in server.log()
    assert "nope-x1" not in server.log()
