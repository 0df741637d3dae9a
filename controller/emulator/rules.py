"""Neon's rules beyond the contract's types: what a real project, compute, role or database accepts.

Why this exists: the OpenAPI contract only says "a number >= 0.25" or "an integer <= 604800";
Neon's documentation adds the rules a controller trips on (the compute-size set, the autoscaling
range, scale-to-zero timeouts, protected names, regions). Each function raises a 400 `ApiError`
naming the field and the rule, so the controller's own pre-flight validation can be tested
against the same rules. Sources are in shared/neon-api/NOTES.md sections 1-4 and 9.
"""

from __future__ import annotations

from dataclasses import dataclass

from controller.emulator.errors import bad_request

# 0.25, 0.5, then 1..16 step 1, then 18..56 step 2 [D-comp].
COMPUTE_UNITS = frozenset([0.25, 0.5, *range(1, 17), *range(18, 57, 2)])
MAX_AUTOSCALING_CU = 16
MAX_AUTOSCALING_SPREAD = 8
MIN_SUSPEND_TIMEOUT = 60
MAX_SUSPEND_TIMEOUT = 604_800
DEFAULT_SUSPEND_TIMEOUT = 300  # what `suspend_timeout_seconds: 0` means
MAX_HISTORY_RETENTION = 2_592_000
MAX_ROLE_NAME_BYTES = 63
MAX_PER_BRANCH = 500  # databases, and roles, per branch
RESERVED_DATABASE_NAMES = frozenset({"postgres", "template0", "template1"})
PROTECTED_ROLE_NAMES = frozenset(
    {"neon_superuser", "cloud_admin", "zenith_admin", "public", "none"}
)
DEFAULT_REGION = "aws-us-east-2"
DEFAULT_PG_VERSION = 17


@dataclass(frozen=True)
class Region:
    region_id: str
    name: str
    geo_lat: str
    geo_long: str


# The documented AWS regions [D-reg]. Azure regions are unsupported since 2026-08-27.
REGIONS = (
    Region("aws-us-east-1", "AWS US East (N. Virginia)", "38.9940541", "-77.4524237"),
    Region("aws-us-east-2", "AWS US East (Ohio)", "39.9612", "-82.9988"),
    Region("aws-us-west-2", "AWS US West (Oregon)", "45.5152", "-122.6784"),
    Region("aws-eu-central-1", "AWS Europe (Frankfurt)", "50.1109", "8.6821"),
    Region("aws-eu-west-2", "AWS Europe (London)", "51.5072", "-0.1276"),
    Region("aws-ap-southeast-1", "AWS Asia Pacific (Singapore)", "1.3521", "103.8198"),
    Region("aws-ap-southeast-2", "AWS Asia Pacific (Sydney)", "-33.8688", "151.2093"),
    Region("aws-sa-east-1", "AWS South America (São Paulo)", "-23.5558", "-46.6396"),
)
REGION_IDS = frozenset(region.region_id for region in REGIONS)


def _format_cu(value: float) -> str:
    return f"{value:g}"


def check_compute_unit(field: str, value: float) -> None:
    if value not in COMPUTE_UNITS:
        raise bad_request(
            f"{field}: {_format_cu(value)} is not a compute size; "
            "allowed: 0.25, 0.5, 1 to 16 in steps of 1, 18 to 56 in steps of 2"
        )


def check_compute_range(min_cu: float, max_cu: float) -> None:
    """Sizes are valid, min <= max, and an autoscaling range stays within 16 CU and 8 CU wide."""
    check_compute_unit("autoscaling_limit_min_cu", min_cu)
    check_compute_unit("autoscaling_limit_max_cu", max_cu)
    low, high = _format_cu(min_cu), _format_cu(max_cu)
    if min_cu > max_cu:
        raise bad_request(
            f"autoscaling_limit_min_cu ({low}) must not exceed autoscaling_limit_max_cu ({high})"
        )
    if min_cu == max_cu:
        return  # a fixed size: up to 56 CU
    if max_cu > MAX_AUTOSCALING_CU:
        raise bad_request(
            f"autoscaling_limit_max_cu: {high} is above {MAX_AUTOSCALING_CU}, "
            "the largest size autoscaling supports (fixed sizes go up to 56)"
        )
    if max_cu - min_cu > MAX_AUTOSCALING_SPREAD:
        raise bad_request(
            f"autoscaling range {low}-{high} is wider than the maximum of "
            f"{MAX_AUTOSCALING_SPREAD} CU between autoscaling_limit_min_cu and _max_cu"
        )


def resolve_range(
    current: tuple[float, float], requested_min: float | None, requested_max: float | None
) -> tuple[float, float]:
    """The compute range after an update that may give one bound only, checked.

    A bound left out keeps its value unless the other would pass it: raising the minimum alone
    above the maximum raises the maximum with it, lowering the maximum alone below the minimum
    lowers the minimum (a choice: Neon does not document this case).
    """
    low = current[0] if requested_min is None else requested_min
    high = current[1] if requested_max is None else requested_max
    if requested_max is None:
        high = max(high, low)
    if requested_min is None:
        low = min(low, high)
    check_compute_range(low, high)
    return low, high


def check_suspend_timeout(field: str, seconds: int) -> None:
    if seconds in (-1, 0) or MIN_SUSPEND_TIMEOUT <= seconds <= MAX_SUSPEND_TIMEOUT:
        return
    raise bad_request(
        f"{field}: {seconds} is not allowed; use -1 (never suspend), 0 (the default, "
        f"{DEFAULT_SUSPEND_TIMEOUT} s) or {MIN_SUSPEND_TIMEOUT} to {MAX_SUSPEND_TIMEOUT} seconds"
    )


def effective_suspend_timeout(seconds: int) -> float | None:
    """Seconds of inactivity before scale-to-zero; None when the compute never suspends."""
    if seconds == -1:
        return None
    return float(DEFAULT_SUSPEND_TIMEOUT if seconds == 0 else seconds)


def check_region(region_id: str) -> None:
    if region_id not in REGION_IDS:
        known = ", ".join(sorted(REGION_IDS))
        raise bad_request(
            f"region_id: unknown or unsupported region {region_id!r}; use one of {known}"
        )


def check_role_name(name: str) -> None:
    if not name:
        raise bad_request("role name must not be empty")
    if len(name.encode()) > MAX_ROLE_NAME_BYTES:
        raise bad_request(f"role name {name!r} is longer than {MAX_ROLE_NAME_BYTES} bytes")
    if name.startswith("pg_") or name in PROTECTED_ROLE_NAMES:
        raise bad_request(f"role name {name!r} is protected and cannot be used")


def check_database_name(name: str) -> None:
    if not name:
        raise bad_request("database name must not be empty")
    if name in RESERVED_DATABASE_NAMES:
        raise bad_request(f"database name {name!r} is reserved and cannot be used")


def proxy_host(region_id: str) -> str:
    """`aws-us-east-2` -> `us-east-2.aws.neon.tech`, as in the recordings."""
    platform, _, place = region_id.partition("-")
    return f"{place}.{platform}.neon.tech"


def platform_id(region_id: str) -> str:
    return region_id.partition("-")[0]
