"""The billing metrics: what Neon's v2 consumption history measures, as a partner bills it.

Why this exists: accounts on Neon's usage-based plans (Launch, Scale, Agent, Business,
Enterprise) are billed by the eight metrics of `/consumption_history/v2/projects`, and a partner
bills its own customers with the same numbers. Every view (table, JSON, CSV, the billing export)
walks this one table, in this order, and spells amounts through the registry's `Quota` kinds
(the same spelling as limits everywhere else), never by guessing from a field name.

Units (machine formats keep Neon's integers as they are):
- `CU-seconds`: compute units x seconds (`compute_unit_seconds`);
- `byte-months`: bytes kept for a month (a GB kept for half a month is half a GB-month);
- `bytes`: data sent over the public internet or a private link;
- `branch-months`: branches beyond the plan's allowance, kept for a month.
People read them as Neon prices them: compute in CU-hours, bytes in decimal units (GB,
GB-month), whatever their size.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from controller.neon.consumption import V2_METRICS
from controller.spec.units import BYTE_UNITS
from controller.spec.values import Quota, common_unit

BYTES = Quota("bytes")
SECONDS = Quota("seconds")
_DECIMAL = ("TB", "GB", "MB", "KB", "B")


@dataclass(frozen=True)
class BillingMetric:
    """One v2 metric: Neon's name (also its JSON/CSV key), a short label, its machine unit, and
    how an amount reads to people (`kind` spells the number, `template` names the unit)."""

    name: str
    label: str
    unit: str
    kind: Quota | None  # None: a plain count
    template: str  # `{amount}` and `{unit}` of the kind's spelling

    def spell(self, amount: int | None, unit: str | None = None) -> str:
        """`12.5 CU-h`, `1GiB-month`, `20GB`, `3 branch-months`; `-` for no value."""
        if amount is None:
            return "-"
        if self.kind is None:
            return self.template.format(amount=amount, unit="")
        unit = unit or self.shared_unit([amount]) or "B"
        number = self.kind.amount(amount, unit).removesuffix(unit)
        return self.template.format(amount=number, unit=unit)

    def shared_unit(self, amounts: Iterable[int | None]) -> str | None:
        """One unit for a column of amounts: hours for compute; for bytes the largest decimal
        unit the smallest amount fills."""
        if self.kind is None:
            return None
        if self.kind is SECONDS:
            return "h"
        return common_unit([a for a in amounts if a], BYTE_UNITS, _DECIMAL)


_MONTHS = "{amount}{unit}-month"
_BYTES = "{amount}{unit}"
_COUNT = "{amount} branch-months"
BILLING_METRICS: tuple[BillingMetric, ...] = (
    BillingMetric("compute_unit_seconds", "compute", "CU-seconds", SECONDS, "{amount} CU-{unit}"),
    BillingMetric("root_branch_bytes_month", "root branches", "byte-months", BYTES, _MONTHS),
    BillingMetric("child_branch_bytes_month", "child branches", "byte-months", BYTES, _MONTHS),
    BillingMetric("instant_restore_bytes_month", "instant restore", "byte-months", BYTES, _MONTHS),
    BillingMetric("public_network_transfer_bytes", "public transfer", "bytes", BYTES, _BYTES),
    BillingMetric("private_network_transfer_bytes", "private transfer", "bytes", BYTES, _BYTES),
    BillingMetric("extra_branches_month", "extra branches", "branch-months", None, _COUNT),
    BillingMetric("snapshot_storage_bytes_month", "snapshots", "byte-months", BYTES, _MONTHS),
)
BILLING_NAMES: tuple[str, ...] = tuple(m.name for m in BILLING_METRICS)
BY_BILLING_NAME: dict[str, BillingMetric] = {m.name: m for m in BILLING_METRICS}

assert BILLING_NAMES == V2_METRICS, "the billing metrics are Neon's v2 metrics, in its order"
