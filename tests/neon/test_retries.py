"""Retry policy on the wire: what is retried, how long the client waits, what is never re-sent."""

from __future__ import annotations

import httpx
import pytest

from controller.neon import (
    BadRequestError,
    CreateOutcomeUnknownError,
    ForbiddenError,
    LockedError,
    NeonAPIError,
    NotAcceptableError,
    NotFoundError,
    OutcomeUnknownError,
    PreconditionFailedError,
    ProjectCreate,
    ProjectUpdate,
    RateLimiterRegistry,
    ServiceUnavailableError,
    UnauthorizedError,
    UnprocessableEntityError,
)
from controller.neon.ratelimit import ACCOUNT_BUCKET, RateLimits
from tests.neon.fakes import (
    BASE_URL,
    FakeClock,
    ScriptedNeon,
    body_of,
    created_project_body,
    error,
    make_client,
    ok,
    project,
)
from tests.support.contract import ContractValidator

pytestmark = pytest.mark.anyio

PROJECT = "/projects/tenant-acme-1"
CREATED = "/projects"


def created_body(name: str = "tenant-acme") -> dict[str, object]:
    return {**created_project_body(name), "operations": []}


async def test_reads_retry_503_with_exponential_backoff_and_jitter(
    neon: ScriptedNeon, clock: FakeClock
) -> None:
    neon.on(
        "GET", PROJECT, error(503, "try again"), error(503, "again"), ok({"project": project()})
    )
    async with make_client(neon.transport(), clock) as client:
        found = await client.get_project("tenant-acme-1")
    assert found.id == "tenant-acme-1"
    assert len(neon.sent("GET", PROJECT)) == 3
    # backoff 0.5 s then 1 s, each drawn from [base * (1 - 0.5), base]; the fake draw is 0.5
    assert clock.sleeps == [0.375, 0.75]


async def test_retry_after_is_honoured_when_present(neon: ScriptedNeon, clock: FakeClock) -> None:
    neon.on(
        "GET", PROJECT, error(429, "slow down", {"Retry-After": "7"}), ok({"project": project()})
    )
    async with make_client(neon.transport(), clock) as client:
        await client.get_project("tenant-acme-1")
    assert clock.sleeps == [7.0]


async def test_retry_after_is_capped_by_the_setting(neon: ScriptedNeon, clock: FakeClock) -> None:
    neon.on("GET", PROJECT, error(503, "down", {"Retry-After": "3600"}), ok({"project": project()}))
    async with make_client(neon.transport(), clock, retry_after_max_seconds=30) as client:
        await client.get_project("tenant-acme-1")
    assert clock.sleeps[0] == 30.0


async def test_a_long_retry_after_on_a_429_holds_the_shared_limiter_only_up_to_the_cap(
    neon: ScriptedNeon, clock: FakeClock
) -> None:
    neon.on(
        "GET", PROJECT, error(429, "slow down", {"Retry-After": "3600"}), ok({"project": project()})
    )
    async with make_client(neon.transport(), clock, retry_after_max_seconds=30) as client:
        await client.get_project("tenant-acme-1")
        await client.get_project("tenant-acme-1")
    # the retry waited the capped 30 s; the limiter, drained by the 429, did not add an hour
    assert clock.sleeps[0] == 30.0
    assert sum(clock.sleeps) < 35.0


@pytest.mark.parametrize(
    "failure",
    [
        httpx.ReadTimeout("read timed out"),
        httpx.RemoteProtocolError("Server disconnected without sending a response."),
        httpx.ConnectError("connection refused"),
    ],
    ids=["read-timeout", "dropped", "refused"],
)
async def test_reads_retry_transport_errors(
    neon: ScriptedNeon, clock: FakeClock, failure: Exception
) -> None:
    neon.on("GET", PROJECT, failure, ok({"project": project()}))
    async with make_client(neon.transport(), clock) as client:
        assert (await client.get_project("tenant-acme-1")).id == "tenant-acme-1"
    assert len(neon.sent("GET", PROJECT)) == 2


@pytest.mark.parametrize("status", [423, 429, 503])
async def test_mutations_retry_only_where_neon_did_not_act(
    neon: ScriptedNeon, clock: FakeClock, status: int
) -> None:
    patched = ok({"project": project(name="renamed"), "operations": []})
    neon.on("PATCH", PROJECT, error(status, "not now"), error(status, "not now"), patched)
    async with make_client(neon.transport(), clock) as client:
        result = await client.update_project("tenant-acme-1", ProjectUpdate(name="renamed"))
    assert result.name == "renamed"
    assert len(neon.sent("PATCH", PROJECT)) == 3


async def test_a_mutation_that_never_left_is_retried(neon: ScriptedNeon, clock: FakeClock) -> None:
    neon.on("POST", CREATED, httpx.ConnectError("refused"), ok(created_body(), status=201))
    async with make_client(neon.transport(), clock) as client:
        created = await client.create_project(ProjectCreate(name="tenant-acme"))
    assert created.project.name == "tenant-acme"
    assert len(neon.sent("POST", CREATED)) == 2


@pytest.mark.parametrize(
    "lost",
    [
        httpx.ReadTimeout("read timed out"),
        httpx.RemoteProtocolError("Server disconnected without sending a response."),
        error(502, "bad gateway"),
        error(504, "gateway timeout"),
        error(500, "internal"),
    ],
    ids=["read-timeout", "dropped", "502", "504", "500"],
)
async def test_a_lost_create_is_never_resent_and_says_to_look_up_by_name(
    neon: ScriptedNeon, clock: FakeClock, lost: httpx.Response | Exception
) -> None:
    neon.on("POST", CREATED, lost, ok(created_body(), status=201))
    async with make_client(neon.transport(), clock) as client:
        with pytest.raises(CreateOutcomeUnknownError) as caught:
            await client.create_project(ProjectCreate(name="tenant-acme"))
    assert len(neon.sent("POST", CREATED)) == 1
    assert caught.value.project_name == "tenant-acme"
    assert caught.value.method == "POST"
    assert caught.value.path == "/projects"
    assert "look it up by name (list_projects(search='tenant-acme'))" in str(caught.value)
    assert "before creating it again" in str(caught.value)


@pytest.mark.parametrize(
    "lost",
    [httpx.ReadTimeout("read timed out"), httpx.RemoteProtocolError("Server disconnected.")],
    ids=["read-timeout", "dropped"],
)
async def test_only_a_create_without_any_answer_says_the_response_was_lost(
    neon: ScriptedNeon, clock: FakeClock, lost: Exception
) -> None:
    neon.on("POST", CREATED, lost)
    async with make_client(neon.transport(), clock) as client:
        with pytest.raises(CreateOutcomeUnknownError) as caught:
            await client.create_project(ProjectCreate(name="tenant-acme"))
    error = caught.value
    assert (error.response_lost, error.status, error.neon_message) == (True, None, "")
    assert "the create was sent but its response was lost" in str(error)


@pytest.mark.parametrize(
    ("status", "reason"), [(500, "Internal Server Error"), (502, "Bad Gateway")]
)
async def test_a_create_neon_answered_with_a_5xx_carries_neons_status_message_and_request_id(
    neon: ScriptedNeon, clock: FakeClock, status: int, reason: str
) -> None:
    """Issue 14/10: a real 500 printed "the create response was lost" instead of Neon's words."""
    answer = httpx.Response(
        status,
        json={"code": "", "message": "storage controller unavailable", "request_id": "neon-r-7"},
    )
    neon.on("POST", CREATED, answer)
    async with make_client(neon.transport(), clock) as client:
        with pytest.raises(CreateOutcomeUnknownError) as caught:
            await client.create_project(ProjectCreate(name="tenant-acme"))
    error = caught.value
    assert len(neon.sent("POST", CREATED)) == 1  # still never re-sent
    assert (error.status, error.neon_message, error.request_id) == (
        status,
        "storage controller unavailable",
        "neon-r-7",
    )
    assert error.response_lost is False
    assert str(error).startswith(
        f"POST /projects -> {status}: the create was sent and Neon answered {status} {reason}:"
        " storage controller unavailable. Neon may have created project 'tenant-acme'"
    )
    assert str(error).endswith("[request_id=neon-r-7]")
    assert "lost" not in str(error)


@pytest.mark.parametrize(
    "unusable",
    [b"<html>201 Created</html>", b'{"project": {"name": "tenant-acme"}}'],
    ids=["not-json", "no-project-id"],
)
async def test_a_create_answered_with_an_unreadable_201_says_to_look_up_by_name(
    contract: ContractValidator, clock: FakeClock, unusable: bytes
) -> None:
    """Neon created the project but the client cannot learn its id: same advice as a lost
    answer. (The reply breaks the contract on purpose, so only the request is validated.)"""
    sent: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        contract.validate_request(request)
        sent.append(request)
        return httpx.Response(201, content=unusable)

    async with make_client(httpx.MockTransport(answer), clock) as client:
        with pytest.raises(CreateOutcomeUnknownError) as caught:
            await client.create_project(ProjectCreate(name="tenant-acme"))
    assert len(sent) == 1
    assert (caught.value.method, caught.value.status) == ("POST", 201)
    assert "Neon answered 201 Created but its body could not be read" in str(caught.value)
    assert not caught.value.response_lost
    assert "look it up by name (list_projects(search='tenant-acme'))" in str(caught.value)


async def test_a_lost_patch_has_an_unknown_outcome(neon: ScriptedNeon, clock: FakeClock) -> None:
    neon.on("PATCH", PROJECT, httpx.ReadTimeout("timed out"))
    async with make_client(neon.transport(), clock) as client:
        with pytest.raises(OutcomeUnknownError) as caught:
            await client.update_project("tenant-acme-1", ProjectUpdate(name="x"))
    assert not isinstance(caught.value, CreateOutcomeUnknownError)
    assert len(neon.sent("PATCH", PROJECT)) == 1
    assert "Observe the resource before retrying" in str(caught.value)


@pytest.mark.parametrize(
    ("status", "error_class"),
    [
        (400, BadRequestError),
        (401, UnauthorizedError),
        (403, ForbiddenError),
        (404, NotFoundError),
        (406, NotAcceptableError),
        (412, PreconditionFailedError),
        (422, UnprocessableEntityError),
    ],
)
async def test_permanent_errors_are_not_retried_and_carry_their_context(
    neon: ScriptedNeon, clock: FakeClock, status: int, error_class: type[NeonAPIError]
) -> None:
    body = {"code": "X", "message": f"nope {status}", "request_id": "neon-echo-1"}
    neon.on("GET", PROJECT, httpx.Response(status, json=body))
    async with make_client(neon.transport(), clock) as client:
        with pytest.raises(error_class) as caught:
            await client.get_project("tenant-acme-1")
    assert len(neon.sent("GET", PROJECT)) == 1
    failure = caught.value
    assert (failure.method, failure.path, failure.status) == ("GET", PROJECT, status)
    assert (failure.neon_message, failure.code, failure.request_id) == (
        f"nope {status}",
        "X",
        "neon-echo-1",
    )
    assert str(failure).startswith(f"GET {PROJECT} -> {status}: ")
    assert f"nope {status}" in str(failure)
    assert "[request_id=neon-echo-1]" in str(failure)


async def test_a_personal_key_without_an_org_is_told_to_set_neon_org_id(
    neon: ScriptedNeon, clock: FakeClock
) -> None:
    required = "org_id is required, you can find it on your organization settings page"
    neon.on("GET", "/projects", error(400, required))
    async with make_client(neon.transport(), clock) as client:
        with pytest.raises(BadRequestError) as caught:
            await client.list_projects()
    assert caught.value.neon_message == required
    assert str(caught.value).startswith(f"GET /projects -> 400: Bad Request: {required} (")
    assert "a personal API key must name its organization: set NEON_ORG_ID" in str(caught.value)


async def test_with_an_org_set_a_400_about_org_id_carries_no_hint(
    neon: ScriptedNeon, clock: FakeClock
) -> None:
    neon.on("POST", "/projects", error(400, "org_id does not match the key's organization"))
    async with make_client(neon.transport(), clock, org_id="org-other-1") as client:
        with pytest.raises(BadRequestError) as caught:
            await client.create_project(ProjectCreate(name="tenant-acme"))
    assert body_of(neon.requests[0])["project"]["org_id"] == "org-other-1"  # NEON_ORG_ID sent
    assert "NEON_ORG_ID" not in str(caught.value)


async def test_temporary_errors_give_up_after_the_attempt_budget(
    neon: ScriptedNeon, clock: FakeClock
) -> None:
    neon.on("GET", PROJECT, error(503, "down"))
    async with make_client(neon.transport(), clock, max_attempts=4) as client:
        with pytest.raises(ServiceUnavailableError):
            await client.get_project("tenant-acme-1")
    assert len(neon.sent("GET", PROJECT)) == 4


async def test_a_mutation_locked_for_too_long_raises_locked(
    neon: ScriptedNeon, clock: FakeClock
) -> None:
    neon.on("PATCH", PROJECT, error(423, "project already has running conflicting operations"))
    async with make_client(neon.transport(), clock, max_attempts=3) as client:
        with pytest.raises(LockedError) as caught:
            await client.update_project("tenant-acme-1", ProjectUpdate(name="x"))
    assert len(neon.sent("PATCH", PROJECT)) == 3
    assert "conflicting operations" in caught.value.neon_message


async def test_every_request_carries_its_own_request_id(
    neon: ScriptedNeon, clock: FakeClock
) -> None:
    neon.on("GET", PROJECT, error(503, "down"))
    async with make_client(neon.transport(), clock, max_attempts=3) as client:
        with pytest.raises(ServiceUnavailableError) as caught:
            await client.get_project("tenant-acme-1")
    ids = [request.headers["X-Request-ID"] for request in neon.requests]
    assert len(set(ids)) == 3
    assert caught.value.request_id == ids[-1]  # Neon echoed none: the one the client sent


async def test_a_429_slows_the_shared_limiter(neon: ScriptedNeon, clock: FakeClock) -> None:
    registry = RateLimiterRegistry()
    neon.on("GET", PROJECT, error(429, "too many"), ok({"project": project()}))
    async with make_client(neon.transport(), clock, limiters=registry) as client:
        await client.get_project("tenant-acme-1")
    limits = RateLimits.from_settings(client.settings)
    limiter = registry.limiter_for(BASE_URL, client.settings.api_key, limits, clock=clock)
    # halved by the 429, then regaining 0.1 of full speed per minute since
    expected = 0.5 + limits.recovery_per_minute * sum(clock.sleeps) / 60
    assert limiter.speed_factor(now=clock(), bucket=ACCOUNT_BUCKET) == pytest.approx(expected)
