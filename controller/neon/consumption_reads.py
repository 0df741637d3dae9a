"""The client's consumption-history reads: legacy and v2, in batches of 100 ids, on the
consumption budget.

Neon has two consumption APIs: `/consumption_history/projects` for legacy Scale, Business and
Enterprise plans, and `/consumption_history/v2/projects` for the usage-based plans (Launch,
Scale, Agent, Business, Enterprise). An account answers 403 (its plan lacks the API) or 404 (not
a member of the org; or no such API for it) on the one it does not have: both raise
ConsumptionUnavailableError, whose `status` tells them apart, so a caller can detect the API the
account has and fall back to another source.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Literal, TypeVar

from controller.neon import routes
from controller.neon.consumption import ConsumptionQuery
from controller.neon.core import ClientCore
from controller.neon.envelopes import ConsumptionPage, ConsumptionV2Page
from controller.neon.models import ProjectConsumptionHistory, ProjectConsumptionV2
from controller.neon.pagination import Page, collect_pages
from controller.neon.routes import Route
from controller.neon.session import QueryParams

Granularity = Literal["hourly", "daily", "monthly"]
_H = TypeVar("_H", ProjectConsumptionHistory, ProjectConsumptionV2)
_P = TypeVar("_P", ConsumptionPage, ConsumptionV2Page)


class ConsumptionReads(ClientCore):
    """Consumption-history methods of NeonClient."""

    async def consumption_history(
        self,
        project_ids: Iterable[str],
        *,
        since: datetime,
        until: datetime,
        granularity: Granularity,
        metrics: Sequence[str] | None = None,
    ) -> list[ProjectConsumptionHistory]:
        """Consumption of the given projects (legacy-plan endpoint), 100 ids per request.

        Pages at limit 100 within each batch and draws from the consumption rate bucket. An
        empty `project_ids` returns [] (Neon would return every project). An account without
        this API raises ConsumptionUnavailableError (403 or 404, see `status`).
        """
        query = ConsumptionQuery.build(
            project_ids,
            since=since,
            until=until,
            granularity=granularity,
            metrics=metrics,
            org_id=self._settings.org_id,
        )
        return await self._batches(query, routes.CONSUMPTION_HISTORY, ConsumptionPage)

    async def consumption_history_v2(
        self,
        project_ids: Iterable[str],
        *,
        since: datetime,
        until: datetime,
        granularity: Granularity,
        metrics: Sequence[str],
        org_id: str | None = None,
    ) -> list[ProjectConsumptionV2]:
        """v2 consumption (usage-based plans) of the given projects, 100 ids per request.

        `metrics` (at least one of controller.neon.consumption.V2_METRICS) and an org id are
        required by Neon: `org_id`, else NEON_ORG_ID (a project's `org_id` field names its org).
        Follows Neon's cursor within each batch, on the consumption budget. An empty
        `project_ids` returns []. An account without the v2 API raises
        ConsumptionUnavailableError: `status` 403 (its plan lacks it) or 404.
        """
        query = ConsumptionQuery.build(
            project_ids,
            since=since,
            until=until,
            granularity=granularity,
            metrics=metrics,
            org_id=org_id or self._settings.org_id,
            v2=True,
        )
        return await self._batches(query, routes.CONSUMPTION_HISTORY_V2, ConsumptionV2Page)

    async def _batches(self, query: ConsumptionQuery, route: Route, model: type[_P]) -> list[_H]:
        results: list[_H] = []
        for batch, params in query.batches():
            results.extend(await self._batch(route, model, batch, params, query.page_limit))
        return results

    async def _batch(
        self, route: Route, model: type[_P], batch: Sequence[str], params: QueryParams, limit: int
    ) -> list[_H]:
        """One batch of ids, paged; stops as soon as every asked project has been answered."""
        missing = set(batch)

        async def fetch(cursor: str | None) -> Page[_H]:
            page = await self._get(route, {}, model, params, cursor)
            projects: list[_H] = list(page.projects)  # type: ignore[arg-type]
            missing.difference_update(history.project_id for history in projects)
            more = page.pagination.cursor if page.pagination and missing else None
            return projects, more

        return await collect_pages(
            fetch, limit, path=route.template, max_items=self._settings.max_list_items
        )
