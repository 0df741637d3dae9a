"""Creating and deleting computes, and reading a connection URI, against the in-process
emulator; every exchange checked against Neon's contract. The URI holds a password: it reaches
the caller and nothing else (no log line, no error, no repr), and the redactor knows it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
import structlog

from controller.logs import configure_logging, redact_text
from controller.neon import (
    EndpointCreate,
    EndpointSettingsInput,
    NeonClient,
    NeonSettings,
    NeonUsageError,
    NotFoundError,
    ProjectCreate,
    RateLimiterRegistry,
)
from controller.neon.envelopes import ConnectionUri
from tests.neon.fakes import FakeClock
from tests.support.fixtures_emulator import InProcessEmulator

pytestmark = pytest.mark.anyio

EPOCH = 1_790_000_000.0
Wrap = Callable[[httpx.AsyncBaseTransport], httpx.AsyncBaseTransport]


class Counting(httpx.AsyncBaseTransport):
    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.sent: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(f"{request.method} {request.url.path.removeprefix('/api/v2')}")
        return await self.inner.handle_async_request(request)


@pytest.fixture
def emulator(emulator_app_factory: Callable[..., InProcessEmulator], clock: FakeClock) -> Any:
    """Operations take 1 s of emulator time (on the test's fake clock), as with Neon."""
    return emulator_app_factory(operation_seconds=1.0, clock=lambda: EPOCH + clock())


def client_for(
    emulator: InProcessEmulator, transport: httpx.AsyncBaseTransport, clock: FakeClock
) -> NeonClient:
    settings = NeonSettings(api_key=emulator.api_key, host=emulator.base_url)
    return NeonClient(
        settings,
        transport=transport,
        clock=clock,
        sleep=clock.sleep,
        rng=lambda: 0.5,
        limiters=RateLimiterRegistry(),
    )


@pytest.fixture
def json_logs() -> Iterator[None]:
    configure_logging(json_output=True, level=10)
    yield
    structlog.reset_defaults()


async def test_a_create_costs_the_post_and_one_operations_read(
    emulator: InProcessEmulator, contract_transport: Wrap, clock: FakeClock
) -> None:
    """Issue 12: 1 s operations are confirmed by one list read, not one GET per operation."""
    counting = Counting(contract_transport(emulator.transport()))
    async with client_for(emulator, counting, clock) as client:
        created = await client.create_project(ProjectCreate(name="tenant-calls"))
    assert len(created.operations) >= 2
    assert all(operation.status == "finished" for operation in created.operations)
    assert counting.sent == ["POST /projects", f"GET /projects/{created.project.id}/operations"]


async def test_create_and_delete_a_read_only_compute(
    emulator: InProcessEmulator, contract_transport: Wrap, clock: FakeClock
) -> None:
    counting = Counting(contract_transport(emulator.transport()))
    async with client_for(emulator, counting, clock) as client:
        created = await client.create_project(ProjectCreate(name="tenant-computes"))
        project_id, branch_id = created.project.id, created.branch.id
        endpoint = await client.create_endpoint(
            project_id,
            EndpointCreate(
                branch_id=branch_id,
                type="read_only",
                name="replica",
                autoscaling_limit_min_cu=0.25,
                autoscaling_limit_max_cu=1,
                suspend_timeout_seconds=300,
                settings=EndpointSettingsInput(pg_settings={"work_mem": "8MB"}),
            ),
        )
        assert (endpoint.type, endpoint.branch_id, endpoint.name) == (
            "read_only",
            branch_id,
            "replica",
        )
        listed = await client.list_endpoints(project_id)
        assert endpoint.id in {e.id for e in listed}
        counting.sent.clear()
        assert await client.delete_endpoint(project_id, endpoint.id) is None
        assert counting.sent == [
            f"DELETE /projects/{project_id}/endpoints/{endpoint.id}",
            f"GET /projects/{project_id}/operations",
        ]
        assert endpoint.id not in {e.id for e in await client.list_endpoints(project_id)}
        counting.sent.clear()
        await client.delete_endpoint(project_id, endpoint.id)  # already gone: 204, success
    assert counting.sent == [f"DELETE /projects/{project_id}/endpoints/{endpoint.id}"]


def test_endpoint_create_checks_neons_bounds_before_sending() -> None:
    with pytest.raises(ValueError, match="type"):
        EndpointCreate(branch_id="br-a", type="read_maybe")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="autoscaling_limit_min_cu"):
        EndpointCreate(branch_id="br-a", type="read_write", autoscaling_limit_min_cu=0.1)
    body = EndpointCreate(branch_id="br-a", type="read_write", disabled=False).body()
    assert body == {"endpoint": {"branch_id": "br-a", "type": "read_write", "disabled": False}}


async def test_the_connection_uri_reaches_the_caller_and_nothing_else(
    emulator: InProcessEmulator,
    contract_transport: Wrap,
    clock: FakeClock,
    json_logs: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    async with client_for(emulator, contract_transport(emulator.transport()), clock) as client:
        created = await client.create_project(ProjectCreate(name="tenant-uri"))
        project_id = created.project.id
        database, role = created.databases[0].name, created.roles[0].name
        uri = await client.connection_uri(project_id, database_name=database, role_name=role)
        pooled = await client.connection_uri(
            project_id, database_name=database, role_name=role, pooled=True
        )
        with pytest.raises(NotFoundError) as missing:
            await client.connection_uri(project_id, database_name=database, role_name="nobody")
    assert uri.startswith(f"postgresql://{role}:")
    assert "-pooler." in pooled
    password = uri.split("://", 1)[1].split("@", 1)[0].split(":", 1)[1]
    assert redact_text(f"leaked {password} here") == "leaked *** here"
    assert repr(ConnectionUri(uri=uri)).find(password) == -1
    err = capsys.readouterr().err
    assert '"event": "neon_request"' in err  # the reads were logged...
    assert password not in err  # ...and the password never
    assert password not in f"{missing.value} {missing.value!r}"


async def test_connection_uri_refuses_bad_arguments_before_sending(
    emulator: InProcessEmulator, contract_transport: Wrap, clock: FakeClock
) -> None:
    counting = Counting(contract_transport(emulator.transport()))
    async with client_for(emulator, counting, clock) as client:
        for kwargs in (
            {"database_name": "", "role_name": "app"},
            {"database_name": "app", "role_name": "app", "branch_id": "Not An Id"},
        ):
            with pytest.raises(NeonUsageError, match=r"connection_uri|not a Neon id"):
                await client.connection_uri("tenant-a", **kwargs)  # type: ignore[arg-type]
    assert counting.sent == []
