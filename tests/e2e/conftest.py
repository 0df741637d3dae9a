"""End-to-end fixtures: a copy of the example fleet, the CLI pointed at a real emulator server,
and an out-of-band Neon API client (contract-validated) to make drift the way a person would.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from controller.cli import main
from tests.support.contract import ValidatingTransport
from tests.support.emulator_process import EmulatorProcess

REPO = Path(__file__).resolve().parents[2]
FAST_CLIENT = {
    "TENANTCTL_REQUESTS_PER_MINUTE": "60000",
    "TENANTCTL_BURST_PER_SECOND": "1000",
    "TENANTCTL_CONSUMPTION_REQUESTS_PER_MINUTE": "60000",
}


@dataclass
class CliResult:
    code: int
    out: str
    err: str


@pytest.fixture
def fleet_dir(tmp_path: Path) -> Path:
    """A private copy of the repository's example fleet."""
    target = tmp_path / "fleet"
    target.mkdir()
    for name in ("plans", "tenants", "schema"):
        shutil.copytree(REPO / name, target / name)
    shutil.copy(REPO / "tenantctl.yaml", target / "tenantctl.yaml")
    return target


def point_cli_at(monkeypatch: pytest.MonkeyPatch, server: EmulatorProcess) -> EmulatorProcess:
    """Point tenantctl at a real emulator server, with a fast client budget."""
    monkeypatch.setenv("NEON_API_HOST", server.base_url)
    monkeypatch.setenv("NEON_API_KEY", server.api_key)
    monkeypatch.delenv("NEON_ORG_ID", raising=False)
    monkeypatch.delenv("CI", raising=False)
    for name, value in FAST_CLIENT.items():
        monkeypatch.setenv(name, value)
    return server


@pytest.fixture
def neon_env(monkeypatch: pytest.MonkeyPatch, emulator_server: EmulatorProcess) -> EmulatorProcess:
    """The worker's shared emulator server, with tenantctl pointed at it."""
    return point_cli_at(monkeypatch, emulator_server)


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], fleet_dir: Path) -> Any:
    """Run `tenantctl ARGS --dir <fleet>` in-process and capture its exit code and output."""

    def run(*args: str, fleet: Path | None = None) -> CliResult:
        capsys.readouterr()
        code = main([*args, "--dir", str(fleet or fleet_dir)])
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


class NeonApi:
    """Out-of-band changes through the real API, as a person in the console would make them."""

    def __init__(self, server: EmulatorProcess) -> None:
        self.server = server
        self.http = httpx.Client(
            transport=ValidatingTransport(httpx.HTTPTransport()),
            base_url=server.base_url,
            headers=server.auth_headers,
            timeout=30,
        )

    def projects(self) -> list[dict[str, Any]]:
        body = self.http.get("/projects", params={"limit": 400}).raise_for_status().json()
        return list(body["projects"])

    def project_named(self, name: str) -> dict[str, Any]:
        (project,) = [p for p in self.projects() if p["name"] == name]
        return project

    def project(self, project_id: str) -> dict[str, Any]:
        return dict(self.http.get(f"/projects/{project_id}").raise_for_status().json()["project"])

    def endpoints(self, project_id: str) -> list[dict[str, Any]]:
        body = self.http.get(f"/projects/{project_id}/endpoints").raise_for_status().json()
        return list(body["endpoints"])

    def patch_project(self, project_id: str, **fields: Any) -> None:
        self.http.patch(f"/projects/{project_id}", json={"project": fields}).raise_for_status()

    def patch_endpoint(self, project_id: str, endpoint_id: str, **fields: Any) -> None:
        path = f"/projects/{project_id}/endpoints/{endpoint_id}"
        self.http.patch(path, json={"endpoint": fields}).raise_for_status()

    def create_project(self, name: str) -> dict[str, Any]:
        body = {"project": {"name": name, "region_id": "aws-us-east-2", "pg_version": 17}}
        created = self.http.post("/projects", json=body).raise_for_status().json()
        return dict(created["project"])

    def raw(self, path: str) -> bytes:
        return self.http.get(path).raise_for_status().content


@pytest.fixture
def neon(neon_env: EmulatorProcess) -> Iterator[NeonApi]:
    api = NeonApi(neon_env)
    yield api
    api.http.close()
