"""Every Prometheus metric the controller exports, declared here and nowhere else.

Why this exists: dashboards and alerts (deploy/kubernetes/prometheusrule.yaml) name these
series; one module keeps the names, help texts and label sets in one place, and docs/
controller.md lists them. The official `prometheus-client` library renders them, from a registry
of our own (not the process-global one, so tests and embedding never collide).

Label values are bounded and never secret: outcomes and kinds are fixed words, `route` is a
Neon route template (`/projects/{project_id}`, never a raw id), `tenant` is a fleet tenant id,
`metric` a limit name. No URL, key, password or connection string is ever a label.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from controller.loop.records import CycleOutcome, TenantRecord, UsageSnapshot

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
DURATION_BUCKETS = (0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600)
TENANT_STATES = ("active", "suspended", "deleted")


class ControllerMetrics:
    """The controller's metrics on a private registry; `render()` is the /metrics body."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self._cycle_metrics(self.registry)
        self._plan_metrics(self.registry)
        self._neon_and_usage_metrics(self.registry)
        for outcome in CycleOutcome:
            self.cycles.labels(outcome=outcome.value)
        for state in (*TENANT_STATES, "orphaned"):
            self.tenants.labels(state=state).set(0)

    def _cycle_metrics(self, r: CollectorRegistry) -> None:
        self.cycles = Counter(
            "tenantctl_cycles", "Reconcile cycles, by how they ended.", ["outcome"], registry=r
        )
        self.cycle_duration = Histogram(
            "tenantctl_cycle_duration_seconds",
            "Wall time of a reconcile cycle (fetch, validate, plan, apply, record).",
            buckets=DURATION_BUCKETS,
            registry=r,
        )
        self.last_success = Gauge(
            "tenantctl_last_success_timestamp_seconds",
            "Unix time at which the last successful cycle finished (0 before the first).",
            registry=r,
        )
        self.revision_valid = Gauge(
            "tenantctl_revision_valid",
            "1 when the last fetched revision validates, 0 when it does not (last good applies).",
            registry=r,
        )

    def _plan_metrics(self, r: CollectorRegistry) -> None:
        self.tenants = Gauge(
            "tenantctl_tenants",
            "Tenants of the revision in force, by declared state; `orphaned` counts projects "
            "whose tenant file is gone.",
            ["state"],
            registry=r,
        )
        self.apply_actions = Counter(
            "tenantctl_apply_actions",
            "Actions apply attempted, by kind and by the tenant's outcome.",
            ["kind", "outcome"],
            registry=r,
        )
        self.drifted_tenants = Gauge(
            "tenantctl_drifted_tenants",
            "Tenants whose live project differed from the revision in force at the last plan.",
            registry=r,
        )
        self.plan_actions = Gauge(
            "tenantctl_plan_actions",
            "Actions of the last change plan, by kind (conflicts and blocked included).",
            ["kind"],
            registry=r,
        )
        self.plans = Counter(
            "tenantctl_cycle_plans",
            "Plans made, by mode (full: per-tenant reads; idle: list-level only) and reason.",
            ["mode", "reason"],
            registry=r,
        )
        self.last_cycle_full = Gauge(
            "tenantctl_last_cycle_full_refresh",
            "1 when the last cycle decided on a full plan, 0 for an idle cycle.",
            registry=r,
        )

    def _neon_and_usage_metrics(self, r: CollectorRegistry) -> None:
        self.neon_requests = Counter(
            "tenantctl_neon_requests",
            "HTTP requests to the Neon API, by method, route template and status "
            "(`transport_error` when no response came).",
            ["method", "route", "status"],
            registry=r,
        )
        self.neon_rate_limited = Counter(
            "tenantctl_neon_rate_limited",
            "Neon API responses with status 429 (rate limited).",
            registry=r,
        )
        self.usage_ratio = Gauge(
            "tenantctl_tenant_usage_ratio",
            "Use / limit of each limited metric of each tenant at the last usage reading.",
            ["tenant", "metric"],
            registry=r,
        )
        self.over_limit = Gauge(
            "tenantctl_tenants_over_limit",
            "Tenants with a metric at or over its limit at the last usage reading.",
            registry=r,
        )
        self.at_warning = Gauge(
            "tenantctl_tenants_at_warning",
            "Tenants at the warning threshold (and not over a limit) at the last usage reading.",
            registry=r,
        )
        self.usage_reads = Counter(
            "tenantctl_usage_reads", "Usage readings, by outcome.", ["outcome"], registry=r
        )
        self.notifications = Counter(
            "tenantctl_notifications",
            "Notification deliveries, by event and outcome (delivered, failed, dropped).",
            ["event", "outcome"],
            registry=r,
        )

    def render(self) -> bytes:
        return generate_latest(self.registry)

    def neon_request(self, method: str, route: str, status: str) -> None:
        self.neon_requests.labels(method=method, route=route, status=status).inc()
        if status == "429":
            self.neon_rate_limited.inc()

    def cycle_finished(self, outcome: CycleOutcome, seconds: float, at: float) -> None:
        self.cycles.labels(outcome=outcome.value).inc()
        self.cycle_duration.observe(seconds)
        if outcome is CycleOutcome.SUCCESS:
            self.last_success.set(at)

    def plan_decided(self, *, full: bool, reason: str) -> None:
        self.plans.labels(mode="full" if full else "idle", reason=reason).inc()
        self.last_cycle_full.set(1 if full else 0)

    def fleet(self, states: Mapping[str, int], orphans: int) -> None:
        for state in TENANT_STATES:
            self.tenants.labels(state=state).set(states.get(state, 0))
        self.tenants.labels(state="orphaned").set(orphans)

    def plan(self, counts: Mapping[str, int], drifted: int) -> None:
        for kind, n in counts.items():
            self.plan_actions.labels(kind=kind).set(n)
        self.drifted_tenants.set(drifted)

    def applied(self, results: Iterable[TenantRecord]) -> None:
        for record in results:
            for kind in record.kinds:
                self.apply_actions.labels(kind=kind, outcome=record.result).inc()

    def usage(self, snapshot: UsageSnapshot) -> None:
        """Replace every usage series (tenants gone from the fleet disappear)."""
        self.usage_ratio.clear()
        for tenant, use in snapshot.tenants.items():
            for metric, value in use.metrics.items():
                if value.ratio is not None:
                    self.usage_ratio.labels(tenant=tenant, metric=metric).set(value.ratio)
        self.over_limit.set(len(snapshot.with_status("exceeded")))
        self.at_warning.set(len(snapshot.with_status("warning")))
