"""The local cache: no Neon call within 15 minutes, per tenant identity, never a crash."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from structlog.testing import capture_logs

from controller.usage.cache import (
    UsageCache,
    cache_path,
    cached_readings,
    tenant_identity,
)
from controller.usage.readings import TenantReading
from tests.usage.builders import GiB, june, reading, tenant_reading
from tests.usage.conftest import LocalClock

pytestmark = pytest.mark.anyio
HOST = "https://console.neon.tech/api/v2"
KEY = "napi_test-key"
ACME = tenant_identity("example", "acme", None)
GLOBEX = tenant_identity("example", "globex", None)


def make_cache(tmp_path: Path, clock: LocalClock, *, org_id: str | None = "org-1") -> UsageCache:
    path = cache_path(tmp_path, HOST, org_id, KEY)
    return UsageCache(path, host=HOST, org_id=org_id, clock=clock)


def acme_reading() -> TenantReading:
    return tenant_reading("acme", reading(at=june(16), used={"storage": GiB}))


class Reader:
    """Stands in for the Neon read: records what it was asked and answers from a table."""

    def __init__(self, answers: dict[str, TenantReading]) -> None:
        self.answers = answers
        self.calls: list[list[str]] = []

    async def __call__(self, tenant_ids: list[str]) -> dict[str, TenantReading]:
        self.calls.append(tenant_ids)
        return {tid: self.answers[tid] for tid in tenant_ids}


def test_the_cache_file_is_per_target_under_the_fleets_state_directory(tmp_path: Path) -> None:
    one = cache_path(tmp_path, HOST, "org-1", KEY)
    assert one.parent == tmp_path / ".tenantctl"
    assert one.name.startswith("usage-cache-")
    assert one != cache_path(tmp_path, HOST, "org-2", KEY)
    assert one != cache_path(tmp_path, "http://127.0.0.1:4010/api/v2", "org-1", KEY)
    assert one == cache_path(tmp_path, HOST, "org-1", KEY)


def test_two_api_keys_never_share_readings_and_the_key_is_not_in_the_name(
    tmp_path: Path,
) -> None:
    # Without an org, the key alone says which account is read.
    staging = cache_path(tmp_path, HOST, None, "napi_staging-key")
    production = cache_path(tmp_path, HOST, None, "napi_production-key")
    assert staging != production
    assert "napi" not in staging.name + production.name


async def test_a_second_poll_within_15_minutes_does_not_read_neon(
    tmp_path: Path, local_clock: LocalClock
) -> None:
    cache = make_cache(tmp_path, local_clock)
    reader = Reader({"acme": acme_reading()})
    first, cached = await cached_readings(cache, {"acme": ACME}, reader)
    assert (reader.calls, cached) == ([["acme"]], frozenset())
    local_clock.advance(minutes=14, seconds=59)
    second, cached = await cached_readings(cache, {"acme": ACME}, reader)
    assert (reader.calls, cached, second) == ([["acme"]], frozenset({"acme"}), first)
    local_clock.advance(seconds=1)  # 15 minutes: Neon has refreshed
    await cached_readings(cache, {"acme": ACME}, reader)
    assert reader.calls == [["acme"], ["acme"]]


async def test_refresh_reads_neon_even_when_the_cache_is_fresh(
    tmp_path: Path, local_clock: LocalClock
) -> None:
    cache = make_cache(tmp_path, local_clock)
    reader = Reader({"acme": acme_reading()})
    await cached_readings(cache, {"acme": ACME}, reader)
    _, cached = await cached_readings(cache, {"acme": ACME}, reader, refresh=True)
    assert (reader.calls, cached) == ([["acme"], ["acme"]], frozenset())


async def test_only_tenants_missing_from_the_cache_are_read(
    tmp_path: Path, local_clock: LocalClock
) -> None:
    cache = make_cache(tmp_path, local_clock)
    globex = tenant_reading("globex", reading(at=june(16)))
    reader = Reader({"acme": acme_reading(), "globex": globex})
    await cached_readings(cache, {"acme": ACME}, reader)
    readings, cached = await cached_readings(cache, {"acme": ACME, "globex": GLOBEX}, reader)
    assert reader.calls == [["acme"], ["globex"]]
    assert (list(readings), cached) == (["acme", "globex"], frozenset({"acme"}))


async def test_a_changed_tenant_identity_is_read_again(
    tmp_path: Path, local_clock: LocalClock
) -> None:
    cache = make_cache(tmp_path, local_clock)
    reader = Reader({"acme": acme_reading()})
    await cached_readings(cache, {"acme": ACME}, reader)
    adopted = tenant_identity("example", "acme", "other-project-1234")
    await cached_readings(cache, {"acme": adopted}, reader)
    assert reader.calls == [["acme"], ["acme"]]


async def test_tenants_without_a_project_are_never_cached(
    tmp_path: Path, local_clock: LocalClock
) -> None:
    cache = make_cache(tmp_path, local_clock)
    reader = Reader({"acme": tenant_reading("acme")})  # no project yet
    await cached_readings(cache, {"acme": ACME}, reader)
    await cached_readings(cache, {"acme": ACME}, reader)
    assert reader.calls == [["acme"], ["acme"]]


async def test_a_clock_that_went_backwards_makes_entries_stale(
    tmp_path: Path, local_clock: LocalClock
) -> None:
    cache = make_cache(tmp_path, local_clock)
    reader = Reader({"acme": acme_reading()})
    await cached_readings(cache, {"acme": ACME}, reader)
    local_clock.advance(minutes=-5)
    await cached_readings(cache, {"acme": ACME}, reader)
    assert len(reader.calls) == 2


def test_the_file_round_trips_a_reading_exactly_and_holds_no_secret(
    tmp_path: Path, local_clock: LocalClock
) -> None:
    cache = make_cache(tmp_path, local_clock)
    cache.store({"acme": acme_reading()}, {"acme": ACME})
    assert cache.fresh({"acme": ACME}) == {"acme": acme_reading()}
    text = cache.path.read_text()
    document = json.loads(text)
    assert (document["format_version"], document["host"], document["org_id"]) == (2, HOST, "org-1")
    assert "postgres" not in text
    assert "Bearer" not in text


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("{not json", "not a usage cache"),
        ('{"format_version": 1}', "not a usage cache"),
        (b"\xff\xfe\x00garbage", "unreadable"),
    ],
)
def test_a_corrupt_file_is_ignored_with_a_warning_and_replaced(
    tmp_path: Path, local_clock: LocalClock, content: str | bytes, reason: str
) -> None:
    cache = make_cache(tmp_path, local_clock)
    cache.path.parent.mkdir(parents=True)
    if isinstance(content, bytes):
        cache.path.write_bytes(content)
    else:
        cache.path.write_text(content)
    with capture_logs() as logs:
        assert cache.fresh({"acme": ACME}) == {}
    (event,) = logs
    assert (event["event"], event["log_level"]) == ("usage_cache_ignored", "warning")
    assert event["reason"].startswith(reason)
    cache.store({"acme": acme_reading()}, {"acme": ACME})
    assert cache.fresh({"acme": ACME}) == {"acme": acme_reading()}


def test_a_file_of_another_format_or_target_is_ignored(
    tmp_path: Path, local_clock: LocalClock
) -> None:
    cache = make_cache(tmp_path, local_clock)
    cache.store({"acme": acme_reading()}, {"acme": ACME})
    document = json.loads(cache.path.read_text())
    cache.path.write_text(json.dumps({**document, "format_version": 99}))
    with capture_logs() as logs:
        assert cache.fresh({"acme": ACME}) == {}
    assert logs[0]["reason"] == "format version 99"
    cache.path.write_text(json.dumps({**document, "org_id": "org-2"}))
    with capture_logs() as logs:
        assert cache.fresh({"acme": ACME}) == {}
    assert logs[0]["reason"] == "written for another Neon host or org"


def test_a_cache_directory_that_is_a_file_is_a_warning_not_a_failure(
    tmp_path: Path, local_clock: LocalClock
) -> None:
    cache = make_cache(tmp_path, local_clock)
    cache.path.parent.write_text("a file where the state directory should be")
    with capture_logs() as logs:
        cache.store({"acme": acme_reading()}, {"acme": ACME})
    assert [event["event"] for event in logs] == ["usage_cache_ignored", "usage_cache_not_written"]


def test_a_failed_replace_leaves_no_temporary_file_behind(
    tmp_path: Path, local_clock: LocalClock
) -> None:
    cache = make_cache(tmp_path, local_clock)
    cache.path.mkdir(parents=True)  # a directory where the file goes: the rename fails
    with capture_logs() as logs:
        cache.store({"acme": acme_reading()}, {"acme": ACME})
    assert [event["event"] for event in logs] == ["usage_cache_ignored", "usage_cache_not_written"]
    assert sorted(p.name for p in cache.path.parent.iterdir()) == [cache.path.name]


def test_a_symlink_or_a_fifo_in_place_of_the_file_is_ignored_without_reading_it(
    tmp_path: Path, local_clock: LocalClock
) -> None:
    # The fleet directory comes from git: a link to /dev/zero would be read forever, and a
    # FIFO without a writer would block the reader.
    cache = make_cache(tmp_path, local_clock)
    cache.path.parent.mkdir(parents=True)
    cache.path.symlink_to("/dev/zero")
    with capture_logs() as logs:
        assert cache.fresh({"acme": ACME}) == {}
    assert [event["reason"] for event in logs] == ["not a regular file of at most 268435456 bytes"]
    cache.path.unlink()
    os.mkfifo(cache.path)
    with capture_logs() as logs:
        assert cache.fresh({"acme": ACME}) == {}
    assert logs[0]["reason"].startswith("not a regular file")
    cache.store({"acme": acme_reading()}, {"acme": ACME})  # replaced by a regular file
    assert cache.fresh({"acme": ACME}) == {"acme": acme_reading()}
