"""Ids and arguments are checked before anything is sent: a bad one never becomes a request."""

from __future__ import annotations

import pytest

from controller.neon import NeonUsageError
from controller.neon.routes import GET_OPERATION, UPDATE_ENDPOINT
from tests.neon.fakes import FakeClock, ScriptedNeon, make_client

pytestmark = pytest.mark.anyio


def test_paths_are_filled_with_checked_ids() -> None:
    assert (
        UPDATE_ENDPOINT.path(project_id="p-1", endpoint_id="ep-2") == "/projects/p-1/endpoints/ep-2"
    )
    assert (
        GET_OPERATION.path(project_id="p-1", operation_id="0b7e-AF")
        == "/projects/p-1/operations/0b7e-AF"
    )


@pytest.mark.parametrize("bad", ["", "../admin", "p-1/endpoints", "P-1", "a" * 61, "p 1"])
def test_an_id_that_is_not_neons_is_refused(bad: str) -> None:
    with pytest.raises(NeonUsageError, match="is not a Neon id"):
        UPDATE_ENDPOINT.path(project_id=bad, endpoint_id="ep-1")


def test_missing_or_extra_ids_are_refused() -> None:
    with pytest.raises(NeonUsageError, match=r"needs ids \['endpoint_id', 'project_id'\]"):
        UPDATE_ENDPOINT.path(project_id="p-1")


async def test_client_calls_with_bad_arguments_send_nothing(
    neon: ScriptedNeon, clock: FakeClock
) -> None:
    async with make_client(neon.transport(), clock) as client:
        with pytest.raises(NeonUsageError):
            await client.get_project("../../projects")
        with pytest.raises(NeonUsageError, match=r"limit must be 1\.\.1000, got 0"):
            await client.list_operations("p-1", limit=0)
    assert neon.requests == []
