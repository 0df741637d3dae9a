"""Notification events: what happened, as a Slack-compatible `text` plus structured fields.

Why this exists: operators are told of apply failures, conflicts, an invalid revision, a tenant
crossing a usage threshold, a cycle that cannot run, and the recovery from each. One record
describes an event; `payload()` is the JSON body POSTed to every `--notify-url`: Slack's
incoming webhooks read `text`, anything else reads the fields (documented in docs/controller.md).

Tenant ids, file paths and messages come from YAML or Neon: they are untrusted. In `text` they
are escaped for Slack (`&`, `<`, `>`, so a file name cannot ping `<!channel>`) and control
characters are escaped; the fields carry them as JSON strings, cut to a bounded length.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from controller.loop.records import FleetError

FORMAT_VERSION = 1
MAX_FIELD_CHARS = 2000
MAX_ERRORS_SHOWN = 5

# Event names (the `event` field) and how bad each is.
APPLY_FAILED = "apply_failed"
APPLY_RECOVERED = "apply_recovered"
CONFLICT = "conflict"
CONFLICT_RESOLVED = "conflict_resolved"
INVALID_REVISION = "invalid_revision"
REVISION_RECOVERED = "revision_recovered"
CYCLE_FAILED = "cycle_failed"
CYCLE_RECOVERED = "cycle_recovered"
USAGE_WARNING = "usage_warning"
USAGE_EXCEEDED = "usage_exceeded"
USAGE_RECOVERED = "usage_recovered"
SEVERITY = {
    APPLY_FAILED: "error",
    CONFLICT: "error",
    INVALID_REVISION: "error",
    CYCLE_FAILED: "error",
    USAGE_EXCEEDED: "error",
    USAGE_WARNING: "warning",
    APPLY_RECOVERED: "resolved",
    CONFLICT_RESOLVED: "resolved",
    REVISION_RECOVERED: "resolved",
    CYCLE_RECOVERED: "resolved",
    USAGE_RECOVERED: "resolved",
}


@dataclass(frozen=True)
class Event:
    """One notification: `summary` is plain text (escaped for Slack when sent)."""

    event: str
    summary: str
    fleet: str | None = None
    revision: str | None = None
    tenant: str | None = None
    metric: str | None = None
    values: dict[str, Any] = field(default_factory=dict)
    errors: tuple[FleetError, ...] = ()

    @property
    def severity(self) -> str:
        return SEVERITY[self.event]

    def payload(self, at: datetime) -> dict[str, Any]:
        """The JSON body: Slack's `text`, then the structured fields."""
        return {
            "text": slack_text(f"tenantctl [{self.severity}] {self.summary}"),
            "format_version": FORMAT_VERSION,
            "event": self.event,
            "severity": self.severity,
            "fleet": _bounded(self.fleet),
            "revision": self.revision,
            "tenant": _bounded(self.tenant),
            "metric": self.metric,
            "values": {key: _bounded_value(value) for key, value in self.values.items()},
            "errors": [
                {
                    "path": _bounded(e.path),
                    "line": e.line,
                    "column": e.column,
                    "message": _bounded(e.message),
                }
                for e in self.errors
            ],
            "at": at.isoformat(),
        }


def slack_text(text: str) -> str:
    """Text safe inside a Slack message: control characters and `&<>` escaped, length bounded."""
    printable = "".join(ch if ch.isprintable() or ch == "\n" else ascii(ch)[1:-1] for ch in text)
    escaped = printable.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return escaped[: MAX_FIELD_CHARS * 2]


def _bounded(text: str | None) -> str | None:
    return None if text is None else text[:MAX_FIELD_CHARS]


def _bounded_value(value: Any) -> Any:
    return _bounded(value) if isinstance(value, str) else value


def short(revision: str | None) -> str:
    """A revision as people read it: 12 characters of a commit id or digest."""
    if revision is None:
        return "none"
    return revision.split(":", 1)[-1][:12]


def invalid_revision(fleet: str | None, revision: str, errors: tuple[FleetError, ...]) -> Event:
    shown = "; ".join(e.text for e in errors[:MAX_ERRORS_SHOWN])
    more = len(errors) - MAX_ERRORS_SHOWN
    tail = f" (and {more} more)" if more > 0 else ""
    count = f"{len(errors)} error{'' if len(errors) == 1 else 's'}"
    return Event(
        INVALID_REVISION,
        f"revision {short(revision)} does not validate ({count}); the last good revision stays "
        f"in force: {shown}{tail}",
        fleet=fleet,
        revision=revision,
        errors=errors[: MAX_ERRORS_SHOWN * 10],
    )


def revision_recovered(fleet: str | None, revision: str) -> Event:
    return Event(
        REVISION_RECOVERED,
        f"revision {short(revision)} validates again and is in force",
        fleet=fleet,
        revision=revision,
    )


def tenant_event(
    kind: str, fleet: str | None, revision: str | None, tenant: str, detail: str
) -> Event:
    """apply_failed / apply_recovered / conflict / conflict_resolved for one tenant."""
    what = {
        APPLY_FAILED: "apply failed for tenant",
        APPLY_RECOVERED: "apply succeeds again for tenant",
        CONFLICT: "conflict for tenant",
        CONFLICT_RESOLVED: "conflict resolved for tenant",
    }[kind]
    summary = f"{what} {tenant}" + (f": {detail}" if detail else "")
    return Event(kind, summary, fleet=fleet, revision=revision, tenant=tenant)


def cycle_event(kind: str, fleet: str | None, revision: str | None, detail: str) -> Event:
    """cycle_failed / cycle_recovered: the cycle as a whole could not run (Neon, the source)."""
    summary = (
        f"reconcile cycle failed: {detail}"
        if kind == CYCLE_FAILED
        else "reconcile cycles succeed again"
    )
    return Event(kind, summary, fleet=fleet, revision=revision)


def usage_event(
    kind: str, fleet: str | None, tenant: str, metric: str, values: dict[str, Any]
) -> Event:
    """usage_warning / usage_exceeded / usage_recovered for one tenant's metric."""
    ratio = values.get("ratio")
    share = f" ({ratio:.0%} of its limit)" if isinstance(ratio, float) else ""
    what = {
        USAGE_WARNING: "is at its warning threshold for",
        USAGE_EXCEEDED: "has reached its limit for",
        USAGE_RECOVERED: "is back below its warning threshold for",
    }[kind]
    return Event(
        kind,
        f"tenant {tenant} {what} {metric}{share}",
        fleet=fleet,
        tenant=tenant,
        metric=metric,
        values=values,
    )
