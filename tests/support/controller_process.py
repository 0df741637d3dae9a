"""Run `tenantctl run` as a real child process (`python -m controller run`) and talk to its HTTP
endpoints, for the controller-mode end-to-end tests.

Why this exists: controller mode is a long-running process with a real HTTP server, signal
handling and a lock held for its life; only a child process shows all of that. `start()` waits
for the `controller_listening` log line (with `--listen 127.0.0.1:0` the port it picked);
`stop(signal)` returns the exit code; `wait_for(check)` polls until a condition holds.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx

from tests.e2e.conftest import FAST_CLIENT
from tests.support.emulator_process import EmulatorProcess

T = TypeVar("T")


def controller_env(server: EmulatorProcess) -> dict[str, str]:
    """The environment of a controller pointed at an emulator server, with a fast budget."""
    env = {**os.environ, **FAST_CLIENT}
    env.update(NEON_API_HOST=server.base_url, NEON_API_KEY=server.api_key)
    for name in ("CI", "NEON_ORG_ID"):
        env.pop(name, None)
    return env


def wait_for(check: Callable[[], T | None], *, timeout: float, what: str) -> T:
    """Poll `check` until it returns something truthy; fail with `what` after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)


@dataclass
class ControllerProcess:
    """One `tenantctl run` child process."""

    args: list[str]
    cwd: Path
    env: dict[str, str]
    log_file: Path
    port: int = 0
    _process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    def start(self, *, timeout: float = 30.0) -> None:
        command = [sys.executable, "-m", "controller", "run", "--listen", "127.0.0.1:0"]
        with self.log_file.open("ab") as log:
            self._process = subprocess.Popen(
                [*command, *self.args], cwd=self.cwd, env=self.env, stdout=log, stderr=log
            )
        self.port = wait_for(self._listening_port, timeout=timeout, what="controller_listening")

    def _listening_port(self) -> int | None:
        for event in self.events():
            if event.get("event") == "controller_listening":
                return int(event["port"])
        if self._process is not None and self._process.poll() is not None:
            raise AssertionError(f"the controller exited early:\n{self.log()}")
        return None

    def log(self) -> str:
        return self.log_file.read_text(errors="replace") if self.log_file.exists() else ""

    def events(self) -> list[dict[str, Any]]:
        """The JSON log lines written so far."""
        found = []
        for line in self.log().splitlines():
            if line.startswith("{"):
                try:
                    found.append(json.loads(line))
                except json.JSONDecodeError:
                    continue
        return found

    def get(self, path: str) -> httpx.Response:
        return httpx.get(f"http://127.0.0.1:{self.port}{path}", timeout=10, trust_env=False)

    def status(self) -> dict[str, Any]:
        body: dict[str, Any] = self.get("/status").raise_for_status().json()
        return body

    def send(self, sig: signal.Signals) -> None:
        assert self._process is not None
        self._process.send_signal(sig)

    def wait(self, timeout: float) -> int:
        assert self._process is not None
        code = self._process.wait(timeout=timeout)
        self._process = None
        return code

    def stop(self, sig: signal.Signals = signal.SIGTERM, timeout: float = 30.0) -> int:
        self.send(sig)
        return self.wait(timeout)

    def kill(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait()
        self._process = None
