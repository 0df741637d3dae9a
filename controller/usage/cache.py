"""A local cache of usage readings, so that polling faster than Neon refreshes costs no calls.

Why this exists: Neon updates consumption about every 15 minutes and asks partners not to poll
more often; a cron job or a dashboard calling `tenantctl usage` every minute should cost Neon
nothing between refreshes. Readings are kept per tenant in one JSON file per target (Neon host,
org and API key) under the fleet's `.tenantctl/` directory, and reused while younger than
`MAX_AGE` by the local clock (injected, so tests move it).

A cached reading is reused only for the same tenant identity (fleet, project name, adopted
project id) and the same query (`--source`, and the range of `--history`/`--from/--to`):
editing a tenant's identity, or asking for another range, reads it again. Tenants without a
project are never cached, so a tenant created a minute ago shows up at once. The file holds
what a reading holds: ids, names, numbers and times, no key and no connection string. A file
that cannot be read or parsed, is not a regular file, or was written for another target or
format, is ignored with a warning and replaced on the next write; failing to write it is a
warning too. The cache never fails a run.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import datetime, timedelta
from pathlib import Path

from pydantic import AwareDatetime, BaseModel, ConfigDict, ValidationError

from controller.localfiles import LocalFileError, digest, read_regular_file, write_atomically
from controller.logs import get_logger
from controller.usage.readings import TenantReading

CACHE_FORMAT_VERSION = 2  # 2: consumption source, billing metrics, series
MAX_AGE = timedelta(minutes=15)
CACHE_DIR = ".tenantctl"
MAX_FILE_BYTES = 256 * 1024**2  # ~6 KB a tenant with a month of daily history: ~40,000 tenants
_log = get_logger("usage_cache")


class CacheEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    identity: str
    fetched_at: AwareDatetime  # local clock
    reading: TenantReading


class CacheFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    format_version: int
    host: str
    org_id: str | None
    entries: dict[str, CacheEntry]


def cache_path(fleet_dir: Path, host: str, org_id: str | None, api_key: str) -> Path:
    """`.tenantctl/usage-cache-<digest>.json`: one file per Neon host, org and API key.

    The key counts because, without an org, it alone says which account is read: two keys used
    from one fleet directory must never share readings. Only a one-way digest of it is kept
    (16 hex digits of SHA-256, together with host and org), never the key itself."""
    return fleet_dir / CACHE_DIR / f"usage-cache-{digest(host, org_id or '', api_key)}.json"


def tenant_identity(fleet: str, project_name: str, project_id: str | None, query: str = "") -> str:
    """What decides which project is a tenant's, and what was read of it (`query`: the
    `UsageQuery.key()` of a run, "" for the default): a cached reading is valid only for it."""
    if not query:
        return json.dumps([fleet, project_name, project_id])
    return json.dumps([fleet, project_name, project_id, query])


class UsageCache:
    """The cache file of one target; `clock` is the local clock (timezone-aware)."""

    def __init__(
        self, path: Path, *, host: str, org_id: str | None, clock: Callable[[], datetime]
    ) -> None:
        self.path = path
        self._host = host
        self._org_id = org_id
        self._clock = clock

    def fresh(self, identities: Mapping[str, str]) -> dict[str, TenantReading]:
        """Cached readings of these tenants (id -> identity) younger than MAX_AGE."""
        now = self._clock()
        entries = self._load()
        return {
            tenant_id: entry.reading
            for tenant_id, identity in identities.items()
            if (entry := entries.get(tenant_id)) is not None
            and entry.identity == identity
            and timedelta(0) <= now - entry.fetched_at < MAX_AGE
        }

    def store(self, readings: Mapping[str, TenantReading], identities: Mapping[str, str]) -> None:
        """Add fresh readings of tenants that have a project; drop entries past MAX_AGE."""
        now = self._clock()
        kept = {
            tid: entry
            for tid, entry in self._load().items()
            if timedelta(0) <= now - entry.fetched_at < MAX_AGE
        }
        for tid, reading in readings.items():
            if reading.reading is not None:
                kept[tid] = CacheEntry(identity=identities[tid], fetched_at=now, reading=reading)
        document = CacheFile(
            format_version=CACHE_FORMAT_VERSION,
            host=self._host,
            org_id=self._org_id,
            entries=dict(sorted(kept.items())),
        )
        self._write(document.model_dump_json(indent=1))

    def _load(self) -> dict[str, CacheEntry]:
        try:
            text = read_regular_file(self.path, MAX_FILE_BYTES)
        except FileNotFoundError:
            return {}
        except LocalFileError as error:
            return self._ignored(error.reason)
        try:
            document = CacheFile.model_validate_json(text)
        except ValidationError as error:
            return self._ignored(f"not a usage cache ({error.error_count()} problem(s))")
        if document.format_version != CACHE_FORMAT_VERSION:
            return self._ignored(f"format version {document.format_version}")
        if (document.host, document.org_id) != (self._host, self._org_id):
            return self._ignored("written for another Neon host or org")
        return document.entries

    def _ignored(self, reason: str) -> dict[str, CacheEntry]:
        _log.warning("usage_cache_ignored", path=str(self.path), reason=reason)
        return {}

    def _write(self, text: str) -> None:
        """Write atomically: a concurrent reader sees the old file or the new, never half."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            write_atomically(self.path, text)
        except OSError as error:
            self._not_written(error)

    def _not_written(self, error: OSError) -> None:
        _log.warning("usage_cache_not_written", path=str(self.path), error=str(error))


async def cached_readings(
    cache: UsageCache,
    identities: Mapping[str, str],
    read: Callable[[list[str]], Awaitable[dict[str, TenantReading]]],
    *,
    refresh: bool = False,
) -> tuple[dict[str, TenantReading], frozenset[str]]:
    """Readings of the tenants in `identities`: fresh cached ones, and `read` for the rest.

    Returns the readings by tenant id and the ids served from the cache. `read` (which calls
    Neon) is not called at all when the cache holds every tenant; `refresh` ignores the cache.
    """
    cached = {} if refresh else cache.fresh(identities)
    missing = sorted(set(identities) - cached.keys())
    fetched = await read(missing) if missing else {}
    if fetched:
        cache.store(fetched, identities)
    return dict(sorted({**cached, **fetched}.items())), frozenset(cached)


def forget_tenants(state_dir: Path, tenant_ids: Iterable[str]) -> None:
    """Drop these tenants' readings from every usage cache in `state_dir`: `apply` changed
    their limits or state, so advice based on them may be obsolete (`usage` reads them again).
    """
    forget = set(tenant_ids)
    if not forget:
        return
    for path in sorted(state_dir.glob("usage-cache-*.json")):
        _drop_entries(path, forget)


def _drop_entries(path: Path, tenant_ids: set[str]) -> None:
    try:
        document = CacheFile.model_validate_json(read_regular_file(path, MAX_FILE_BYTES))
    except (OSError, ValidationError):
        return
    kept = {tid: entry for tid, entry in document.entries.items() if tid not in tenant_ids}
    if len(kept) == len(document.entries):
        return
    try:
        write_atomically(
            path, document.model_copy(update={"entries": kept}).model_dump_json(indent=1)
        )
    except OSError as error:
        _log.warning("usage_cache_not_written", path=str(path), error=str(error))
