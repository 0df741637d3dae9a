"""Consumption history for `tenantctl usage`: which of Neon's APIs the account has, and reads.

Why this exists: Neon has two consumption-history APIs and an account has one of them (or
neither). `/consumption_history/v2/projects` serves the usage-based plans (Launch, Scale, Agent,
Business, Enterprise) and the billing metrics; `/consumption_history/projects` serves legacy
Scale, Business and Enterprise plans. The one an account lacks answers 403 (its plan) or 404.
Unless a source is forced (`--source`), usage tries v2, then legacy, then carries on with the
project counters alone, and says which it used; a forced source that Neon refuses is an error.

Reads go through the client, which batches 100 project ids per request, follows Neon's cursor
and draws from the consumption budget (about 50 requests/min). v2 needs the org of the
projects asked for: each project's `org_id` (Neon's project list reports it), else
NEON_ORG_ID; projects of several orgs are read org by org.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from controller.logs import get_logger
from controller.neon.client import NeonClient
from controller.neon.errors import ConsumptionUnavailableError
from controller.usage.billing import BILLING_NAMES
from controller.usage.frames import legacy_frames, v2_frames
from controller.usage.metrics import METRICS
from controller.usage.readings import Frame, Granularity, Source

LEGACY_FIELDS: tuple[str, ...] = tuple(m.history_field for m in METRICS if m.history_field)
DETECTION_ORDER: tuple[Source, ...] = ("v2", "legacy", "counters")
_WHY = {
    403: "403: the account's plan does not include it",
    404: "404: the account has no such API",
}
_log = get_logger("usage")


class SourceUnavailableError(RuntimeError):
    """A consumption source that was required (`--source`, the billing export) and that the
    account cannot read; the message says which and why (`v2: 403: ...`)."""


@dataclass(frozen=True)
class ConsumptionRead:
    """Timeframes by project id, from `source` (`counters`: none were read)."""

    source: Source
    frames: Mapping[str, tuple[Frame, ...]] = field(default_factory=dict)


def refusal(source: Source, status: int | None) -> str:
    """`v2: 403: the account's plan does not include it`."""
    if status is None:
        return f"{source}: the projects report no org id and NEON_ORG_ID is unset"
    return f"{source}: {_WHY.get(status, str(status))}"


class ConsumptionReader:
    """Reads consumption history through `client`, detecting the source once per run.

    `requested` forces a source (None: detect). `passed_over` lists the sources tried and
    refused, for the output to say why the one used was used.
    """

    def __init__(self, client: NeonClient, requested: Source | None = None) -> None:
        self._client = client
        self._requested = requested
        self._source: Source | None = requested
        self.passed_over: list[str] = []

    @property
    def source(self) -> Source | None:
        """The source in use (None until the first read decides it)."""
        return self._source

    async def read(
        self,
        orgs: Mapping[str, str | None],
        *,
        since: datetime,
        until: datetime,
        granularity: Granularity,
    ) -> ConsumptionRead:
        """Consumption of the projects in `orgs` (project id -> its org id, if known)."""
        candidates = (self._source,) if self._source else DETECTION_ORDER
        for source in candidates:
            if source == "counters":
                break
            status = await self._try(source, orgs, since, until, granularity)
            if isinstance(status, ConsumptionRead):
                self._source = source
                return status
            if self._requested is not None:
                raise SourceUnavailableError(refusal(source, status))
            self.passed_over.append(refusal(source, status))
            _log.warning("usage_source_unavailable", source=source, status=status)
        self._source = "counters"
        return ConsumptionRead(source="counters")

    async def _try(
        self,
        source: Source,
        orgs: Mapping[str, str | None],
        since: datetime,
        until: datetime,
        granularity: Granularity,
    ) -> ConsumptionRead | int | None:
        """The read, or the status that refused it (None: v2 without any org id)."""
        try:
            if source == "v2":
                return await self._v2(orgs, since, until, granularity)
            return await self._legacy(list(orgs), since, until, granularity)
        except ConsumptionUnavailableError as error:
            return error.status
        except _NoOrg:
            return None

    async def _v2(
        self,
        orgs: Mapping[str, str | None],
        since: datetime,
        until: datetime,
        granularity: Granularity,
    ) -> ConsumptionRead:
        fallback = self._client.settings.org_id
        groups: dict[str, list[str]] = {}
        for project_id, org_id in sorted(orgs.items()):
            org = org_id or fallback
            if org is None:
                raise _NoOrg
            groups.setdefault(org, []).append(project_id)
        frames: dict[str, tuple[Frame, ...]] = {}
        for org, project_ids in sorted(groups.items()):
            answers = await self._client.consumption_history_v2(
                project_ids,
                since=since,
                until=until,
                granularity=granularity,
                metrics=BILLING_NAMES,
                org_id=org,
            )
            frames.update({answer.project_id: v2_frames(answer) for answer in answers})
        return ConsumptionRead(source="v2", frames=frames)

    async def _legacy(
        self, project_ids: list[str], since: datetime, until: datetime, granularity: Granularity
    ) -> ConsumptionRead:
        answers = await self._client.consumption_history(
            project_ids,
            since=since,
            until=until,
            granularity=granularity,
            metrics=LEGACY_FIELDS,
        )
        frames = {answer.project_id: legacy_frames(answer) for answer in answers}
        return ConsumptionRead(source="legacy", frames=frames)


class _NoOrg(Exception):
    """v2 cannot be asked: a project has no org id and NEON_ORG_ID is unset."""
