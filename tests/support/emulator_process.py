"""Run the emulator as a real HTTP server in a child process (`python -m controller emulator`).

Why this exists: some behaviour only shows over a real network and a real process (a dropped
connection, state surviving SIGTERM or SIGKILL, rate limits under real concurrency), and the
benchmark scripts need a server too. `running_emulator(**options)` starts one on a free localhost
port, waits until it prints its `emulator_listening` line, and stops it on exit. It has no pytest
dependency; `fixtures_emulator.py` builds the pytest fixtures on it.

    with running_emulator(operation_seconds=0.5) as server:
        httpx.get(server.base_url + "/projects", headers=server.auth_headers)
        server.advance_clock(3600)
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

TEST_API_KEY = "emulator-test-key"
_LISTENING = re.compile(r"^emulator_listening host=(\S+) port=(\d+) base_url=(\S+)$", re.MULTILINE)


class EmulatorProcessError(RuntimeError):
    """The emulator process did not start, or did not stop, as expected."""


@dataclass(frozen=True)
class EmulatorOptions:
    """Command-line settings; test-friendly defaults (no rate limits, instant operations).

    A setting of None leaves its flag out, so the server runs with the command's own default
    (e.g. `rate_per_minute=None`: Neon's 700/min, as a plain `tenantctl emulator` has).
    """

    api_key: str | None = TEST_API_KEY
    control_key: str | None = None
    allow_unauthenticated: bool = False
    operation_seconds: float = 0.0
    rate_per_minute: int | None = 0
    burst_per_second: int | None = 0
    consumption_rate_per_minute: int | None = 0
    seed: int | None = None
    max_body_bytes: int | None = None
    idle_timeout_seconds: float | None = None
    request_timeout_seconds: float | None = None

    def arguments(self) -> list[str]:
        args = [f"--operation-seconds={self.operation_seconds}"]
        flags = (
            ("--rate-per-minute", self.rate_per_minute),
            ("--burst-per-second", self.burst_per_second),
            ("--consumption-rate-per-minute", self.consumption_rate_per_minute),
            ("--api-key", self.api_key),
            ("--control-key", self.control_key),
            ("--seed", self.seed),
            ("--max-body-bytes", self.max_body_bytes),
            ("--idle-timeout", self.idle_timeout_seconds),
            ("--request-timeout", self.request_timeout_seconds),
        )
        args += [f"{flag}={value}" for flag, value in flags if value is not None]
        if self.allow_unauthenticated:
            args.append("--allow-unauthenticated")
        return args


@dataclass
class EmulatorProcess:
    """One emulator server process, restartable on the same port and state file."""

    options: EmulatorOptions
    state_file: Path
    log_file: Path
    startup_timeout: float = 30.0
    port: int = 0
    host: str = "127.0.0.1"
    _process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def base_url(self) -> str:
        """The Neon API root, e.g. `http://127.0.0.1:41234/api/v2`."""
        return f"http://{self.host}:{self.port}/api/v2"

    @property
    def control_url(self) -> str:
        return f"http://{self.host}:{self.port}/_emulator"

    @property
    def api_key(self) -> str:
        return self.options.api_key or TEST_API_KEY

    @property
    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"}

    @property
    def control_headers(self) -> dict[str, str]:
        """The control API's key: the server's control key if it has one, else its API key."""
        return {"Authorization": f"Bearer {self.options.control_key or self.api_key}"}

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid

    def start(self) -> None:
        """Start the server (on the same port as before, if it ran) and wait until it listens."""
        if self._process is not None:
            raise EmulatorProcessError("the emulator is already running")
        command = [
            sys.executable, "-m", "controller", "emulator",
            f"--host={self.host}", f"--port={self.port}", f"--state={self.state_file}",
            *self.options.arguments(),
        ]  # fmt: skip
        offset = self.log_file.stat().st_size if self.log_file.exists() else 0
        with self.log_file.open("ab") as log:
            self._process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        self.port = self._wait_until_listening(offset)

    def _wait_until_listening(self, offset: int) -> int:
        deadline = time.monotonic() + self.startup_timeout
        process = self._process
        assert process is not None
        while time.monotonic() < deadline:
            found = _LISTENING.search(self._log_since(offset))
            if found:
                return int(found.group(2))
            if process.poll() is not None:
                self._process = None
                raise EmulatorProcessError(
                    f"the emulator exited with code {process.returncode} before listening:\n"
                    + self._log_since(offset)
                )
            time.sleep(0.02)
        self.kill()
        raise EmulatorProcessError(
            f"the emulator did not listen within {self.startup_timeout} s:\n"
            + self._log_since(offset)
        )

    def _log_since(self, offset: int) -> str:
        with self.log_file.open("rb") as log:
            log.seek(offset)
            return log.read().decode(errors="replace")

    def stop(self, sig: signal.Signals = signal.SIGTERM, timeout: float = 15.0) -> int:
        """Send `sig` (SIGTERM: a graceful stop), wait for the exit, return the exit code."""
        process, self._process = self._process, None
        if process is None:
            raise EmulatorProcessError("the emulator is not running")
        process.send_signal(sig)
        try:
            return process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            raise EmulatorProcessError(f"the emulator ignored {sig.name} for {timeout} s") from None

    def kill(self) -> None:
        """SIGKILL: no chance to clean up, as in a crash."""
        if self._process is not None:
            self.stop(signal.SIGKILL)

    def restart(self, sig: signal.Signals = signal.SIGTERM) -> None:
        """Stop with `sig` and start again on the same port with the same state file."""
        self.stop(sig)
        self.start()

    def log(self) -> str:
        return self._log_since(0)

    # --- the control API -------------------------------------------------------------------

    def _control(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        # trust_env=False: an HTTP(S)_PROXY in the environment must not catch localhost calls.
        response = httpx.request(
            method,
            self.control_url + path,
            json=body,
            headers=self.control_headers,
            timeout=30.0,
            trust_env=False,
        )
        if response.status_code >= 400:
            raise EmulatorProcessError(f"{method} /_emulator{path}: {response.text}")
        return response.json()

    def advance_clock(self, seconds: float) -> dict[str, Any]:
        result: dict[str, Any] = self._control("POST", "/clock/advance", {"seconds": seconds})
        return result

    def add_consumption(self, project_id: str, **metrics: int | str) -> dict[str, Any]:
        """Add usage: written_data_bytes, data_transfer_bytes, logical_size_bytes,
        active_time_seconds, compute_time_seconds (and optionally branch_id)."""
        result: dict[str, Any] = self._control(
            "POST", f"/projects/{project_id}/consumption", dict(metrics)
        )
        return result

    def project_status(self, project_id: str) -> dict[str, Any]:
        result: dict[str, Any] = self._control("GET", f"/projects/{project_id}")
        return result

    def set_faults(self, **faults: Any) -> dict[str, Any]:
        """status_rates={"503": 0.1}, latency_ms, drop_after_commit_rate, operation_failure_rate."""
        result: dict[str, Any] = self._control("POST", "/faults", dict(faults))
        return result

    def faults(self) -> dict[str, Any]:
        """The fault settings in force."""
        result: dict[str, Any] = self._control("GET", "/faults")
        return result

    def stats(self) -> dict[str, Any]:
        result: dict[str, Any] = self._control("GET", "/stats")
        return result

    def reset(self) -> dict[str, Any]:
        result: dict[str, Any] = self._control("POST", "/reset")
        return result


@contextmanager
def running_emulator(
    *, state_file: Path | None = None, startup_timeout: float = 30.0, **options: Any
) -> Iterator[EmulatorProcess]:
    """A started emulator server (options: see `EmulatorOptions`), stopped on exit."""
    with tempfile.TemporaryDirectory(prefix="tenantctl-emulator-") as workdir:
        server = EmulatorProcess(
            options=EmulatorOptions(**options),
            state_file=state_file or Path(workdir) / "state.sqlite3",
            log_file=Path(workdir) / "emulator.log",
            startup_timeout=startup_timeout,
        )
        server.start()
        try:
            yield server
        finally:
            if server.pid is not None:
                server.stop()


__all__ = [
    "TEST_API_KEY",
    "EmulatorOptions",
    "EmulatorProcess",
    "EmulatorProcessError",
    "running_emulator",
]
