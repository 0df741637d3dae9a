"""v2 consumption (usage-based plans, issue 13): batches of 100 ids, Neon's cursor, the
consumption budget, 403/404 told apart; every request checked against Neon's contract.

The emulator does not serve the v2 route yet, so a small fake transport plays it. Its requests
are validated against `consumption-v2-contract.json` beside this file: the one operation
`GET /consumption_history/v2/projects` reduced from Neon's contract by
`scripts/vendor_contract.py` (`reduce_document(source, [("get",
"/consumption_history/v2/projects")])`) from `@neondatabase/api-client@2.7.3`
`public-v2-for-users.gen.yaml` (sha256 of its JSON form e93165a0...e64fe, as in
contract/PROVENANCE.md).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from controller.neon import ConsumptionUnavailableError, NeonUsageError
from controller.neon.consumption import V2_METRICS
from tests.neon.fakes import FakeClock, make_client, ok
from tests.support.contract import ContractValidator

pytestmark = pytest.mark.anyio

ROUTE = "/consumption_history/v2/projects"
SINCE = datetime(2026, 11, 1, tzinfo=UTC)
UNTIL = datetime(2026, 11, 3, tzinfo=UTC)
METRICS = ["compute_unit_seconds", "root_branch_bytes_month"]
V2_CONTRACT = ContractValidator.from_file(Path(__file__).with_name("consumption-v2-contract.json"))


def history(project_id: str) -> dict[str, Any]:
    day = {
        "timeframe_start": "2026-11-01T00:00:00Z",
        "timeframe_end": "2026-11-02T00:00:00Z",
        "metrics": [
            {"metric_name": "compute_unit_seconds", "value": 3600},
            {"metric_name": "root_branch_bytes_month", "value": 10**9},
        ],
    }
    period = {
        "period_id": "79ec829f-1828-4006-ac82-9f1828a0067d",
        "period_plan": "launch",
        "period_start": "2026-11-01T00:00:00Z",
        "consumption": [day],
    }
    return {"project_id": project_id, "periods": [period]}


class FakeV2:
    """Answers the v2 route per Neon's paging: `limit` projects a page, newest first, cursor =
    the last project's id; every request and response is checked against the contract."""

    def __init__(self, *, page_size: int | None = None, status: int = 200) -> None:
        self.requests: list[httpx.Request] = []
        self.page_size = page_size
        self.status = status

    def __call__(self, request: httpx.Request) -> httpx.Response:
        V2_CONTRACT.validate_request(request)
        self.requests.append(request)
        if self.status != 200:
            response = httpx.Response(self.status, json={"code": "", "message": "not available"})
        else:
            response = ok(self._page(request))
        V2_CONTRACT.validate_response(request, response)
        return response

    def _page(self, request: httpx.Request) -> dict[str, Any]:
        ids = list(reversed(request.url.params.get_list("project_ids")))  # newest first
        limit = self.page_size or int(request.url.params["limit"])
        cursor = request.url.params.get("cursor")
        start = ids.index(cursor) + 1 if cursor else 0
        page = ids[start : start + limit]
        body: dict[str, Any] = {"projects": [history(project_id) for project_id in page]}
        if page:
            body["pagination"] = {"cursor": page[-1]}
        return body


async def test_250_projects_take_3_requests_of_at_most_100_ids(clock: FakeClock) -> None:
    ids = [f"tenant-{n:04d}" for n in range(250)]
    neon = FakeV2()
    async with make_client(httpx.MockTransport(neon), clock, org_id="org-fleet-1") as client:
        histories = await client.consumption_history_v2(
            ids, since=SINCE, until=UNTIL, granularity="daily", metrics=METRICS
        )
    assert sorted(h.project_id for h in histories) == ids
    assert [len(r.url.params.get_list("project_ids")) for r in neon.requests] == [100, 100, 50]
    first = neon.requests[0].url.params
    assert (first["from"], first["to"], first["granularity"], first["org_id"]) == (
        "2026-11-01T00:00:00Z",
        "2026-11-03T00:00:00Z",
        "daily",
        "org-fleet-1",
    )
    assert first.get_list("metrics") == METRICS
    assert clock.sleeps == pytest.approx([1.2, 1.2])  # the consumption budget: 50/min, no burst
    day = histories[0].periods[0].consumption[0]
    assert day.value_of("compute_unit_seconds") == 3600
    assert day.as_dict() == {"compute_unit_seconds": 3600, "root_branch_bytes_month": 10**9}


async def test_projects_neon_leaves_out_end_their_batch_without_another_page(
    clock: FakeClock,
) -> None:
    """A project without consumption may be omitted: a short page is still the end."""
    ids = [f"tenant-{n:04d}" for n in range(100)]
    neon = FakeV2(page_size=60)
    async with make_client(httpx.MockTransport(neon), clock) as client:
        histories = await client.consumption_history_v2(
            ids, since=SINCE, until=UNTIL, granularity="hourly", metrics=METRICS, org_id="org-a"
        )
    assert len(histories) == 60
    assert len(neon.requests) == 1


@pytest.mark.parametrize("status", [403, 404])
async def test_an_account_without_v2_is_told_apart_by_status(clock: FakeClock, status: int) -> None:
    neon = FakeV2(status=status)
    async with make_client(httpx.MockTransport(neon), clock, org_id="org-a") as client:
        with pytest.raises(ConsumptionUnavailableError) as caught:
            await client.consumption_history_v2(
                ["tenant-a"], since=SINCE, until=UNTIL, granularity="monthly", metrics=METRICS
            )
    assert caught.value.status == status
    assert len(neon.requests) == 1  # permanent: not retried


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"metrics": []}, "Neon requires at least one metric"),
        ({"metrics": ["compute_time_seconds"]}, "unknown metrics ['compute_time_seconds']"),
        ({"metrics": "compute_unit_seconds"}, "a sequence of names, not one string"),
        ({"org_id": None}, "Neon requires an org id"),
        ({"org_id": "Org A"}, "org_id 'Org A' is not a Neon id"),
    ],
)
async def test_bad_v2_queries_are_refused_before_sending(
    clock: FakeClock, kwargs: dict[str, Any], message: str
) -> None:
    neon = FakeV2()
    query: dict[str, Any] = {
        "since": SINCE,
        "until": UNTIL,
        "granularity": "daily",
        "metrics": METRICS,
        "org_id": "org-a",
        **kwargs,
    }
    async with make_client(httpx.MockTransport(neon), clock) as client:
        with pytest.raises(NeonUsageError) as caught:
            await client.consumption_history_v2(["tenant-a"], **query)
    assert message in str(caught.value)
    assert neon.requests == []


def test_every_v2_metric_neon_documents_is_known() -> None:
    parameter = next(
        p
        for p in V2_CONTRACT_DOCUMENT["paths"][ROUTE]["get"]["parameters"]
        if p["name"] == "metrics"
    )
    assert parameter["required"] is True
    # The contract types `metrics` as strings; Neon's documentation names these eight. The
    # emulator keeps its own copy (it imports nothing from the client): both must agree.
    from controller.emulator.usage import V2_METRICS as EMULATOR_METRICS

    assert set(V2_METRICS) == {
        "compute_unit_seconds",
        "root_branch_bytes_month",
        "child_branch_bytes_month",
        "instant_restore_bytes_month",
        "public_network_transfer_bytes",
        "private_network_transfer_bytes",
        "extra_branches_month",
        "snapshot_storage_bytes_month",
    }
    assert EMULATOR_METRICS == V2_METRICS


V2_CONTRACT_DOCUMENT: dict[str, Any] = __import__("json").loads(
    Path(__file__).with_name("consumption-v2-contract.json").read_text()
)
