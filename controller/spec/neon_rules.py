"""Neon's own rules and defaults for the values a fleet file sets, each with its source.

Checking these before any API call is the point of validation: a Neon 400 at apply time, one
tenant at a time, is the failure mode users of other tools complain about. Each check returns a
message naming the value and the rule, or None; callers add where the value lives. Sources are
the tags of shared/neon-api/NOTES.md ([SPEC] = Neon's OpenAPI v2 contract; [D-*] = Neon docs).
"""

from __future__ import annotations

import ipaddress
import re

from controller.spec.issues import did_you_mean, shorten, show_number, show_value

# Regions [D-reg], NOTES §9. Azure regions were retired on 2026-08-27.
REGIONS: tuple[str, ...] = (
    "aws-ap-southeast-1",
    "aws-ap-southeast-2",
    "aws-eu-central-1",
    "aws-eu-west-2",
    "aws-sa-east-1",
    "aws-us-east-1",
    "aws-us-east-2",
    "aws-us-west-2",
)
RETIRED_REGIONS: tuple[str, ...] = ("azure-eastus2", "azure-gwc", "azure-westus3")

# Postgres versions [SPEC PgVersion], NOTES §9.
PG_VERSIONS: tuple[int, ...] = (14, 15, 16, 17, 18)

# Compute sizes in CU [D-comp], NOTES §4: 0.25, 0.5, 1-16 by 1, 18-56 by 2.
COMPUTE_SIZES: tuple[float, ...] = (
    0.25,
    0.5,
    *(float(cu) for cu in range(1, 17)),
    *(float(cu) for cu in range(18, 57, 2)),
)
COMPUTE_SIZES_TEXT = "0.25, 0.5, 1 to 16 in steps of 1, or 18 to 56 in steps of 2"
AUTOSCALING_MAX_CU = 16.0  # autoscaling runs from 0.25 to 16 CU [D-comp]
AUTOSCALING_MAX_RANGE_CU = 8.0  # "the maximum permitted autoscaling range is 8 CU" [D-comp]
SCALE_TO_ZERO_MAX_CU = 16.0  # "computes larger than 16 CU never scale to zero" [D-comp]

# suspend_timeout_seconds [SPEC SuspendTimeoutSeconds]: -1 never, 0 default (300 s), 60..604800.
SUSPEND_NEVER = -1
SUSPEND_DEFAULT = 0
SUSPEND_DEFAULT_EFFECTIVE_SECONDS = 300
SUSPEND_MIN_SECONDS = 60
SUSPEND_MAX_SECONDS = 604_800

# history_retention_seconds [SPEC ProjectCreateRequest]: 0..2592000 (30 days).
HISTORY_RETENTION_MAX_SECONDS = 2_592_000

# settings.quota fields are int64 >= 0, and 0 means unlimited [SPEC ProjectQuota][D-lim].
QUOTA_MAX = 2**63 - 1

# Names [D-roles][D-dbs], NOTES §3; 63 bytes is Postgres's NAMEDATALEN - 1.
NAME_MAX_BYTES = 63
PROTECTED_ROLE_NAMES: tuple[str, ...] = (
    "neon_superuser",
    "cloud_admin",
    "zenith_admin",
    "public",
    "none",
)
PROTECTED_ROLE_PREFIX = "pg_"
RESERVED_DATABASE_NAMES: tuple[str, ...] = ("postgres", "template0", "template1")

# Project names are 1..256 characters [SPEC ProjectCreateRequest.name].
PROJECT_NAME_MAX_CHARS = 256
# Project ids: `^[a-z0-9-]{1,60}$` [SPEC].
PROJECT_ID_PATTERN = r"^[a-z0-9-]{1,60}$"

# What Neon uses when a project is created without the value [SPEC][D-partner], NOTES §1.2.
DEFAULT_REGION = "aws-us-east-2"
DEFAULT_PG_VERSION = 17
DEFAULT_DATABASE = "neondb"
DEFAULT_ROLE_SUFFIX = "_owner"  # the owner role is `{database}_owner`
DEFAULT_MIN_CU = 0.25
DEFAULT_MAX_CU = 2.0
DEFAULT_HISTORY_RETENTION_SECONDS = 86_400


def check_region(region: str) -> str | None:
    """A region id Neon accepts for new projects."""
    if region in REGIONS:
        return None
    if region in RETIRED_REGIONS:
        return (
            f"{show_value(region)} is an Azure region, which Neon retired on 2026-08-27; "
            f"valid regions: {', '.join(REGIONS)}"
        )
    listing = ", ".join(REGIONS)
    return f"{show_value(region)} is not a Neon region ({listing}){did_you_mean(region, REGIONS)}"


def check_pg_version(version: int) -> str | None:
    """A Postgres major version Neon offers."""
    if version in PG_VERSIONS:
        return None
    return f"Postgres {show_value(version)} is not offered by Neon; use 14 to 18"


def check_compute_size(cu: float) -> str | None:
    """A compute size from Neon's table of sizes."""
    if cu in COMPUTE_SIZES:
        return None
    return f"{show_number(cu)} is not a Neon compute size; use {COMPUTE_SIZES_TEXT}"


def check_suspend_timeout(seconds: int) -> str | None:
    """A scale-to-zero delay within Neon's range (the `never`/`default` keywords are separate).

    Like the other duration checks, the message completes "<value as written> is ...".
    """
    if SUSPEND_MIN_SECONDS <= seconds <= SUSPEND_MAX_SECONDS:
        return None
    return (
        "outside Neon's range: use 1m to 7d (60 to 604800 seconds), `never` to keep the "
        "compute running, or `default` (Neon's 5m)"
    )


def check_history_retention(seconds: int) -> str | None:
    """A point-in-time restore window Neon accepts; the message completes "<value> is ..."."""
    if seconds <= HISTORY_RETENTION_MAX_SECONDS:
        return None
    return "more than Neon's maximum of 30d (2592000 seconds)"


def check_role_name(name: str) -> str | None:
    """A role name Neon lets a project own: not protected, at most 63 bytes."""
    if name.lower() in PROTECTED_ROLE_NAMES or name.lower().startswith(PROTECTED_ROLE_PREFIX):
        return (
            f"{show_value(name)} is a protected role name in Neon (names starting with pg_, "
            f"{', '.join(PROTECTED_ROLE_NAMES)})"
        )
    return _check_identifier(name)


def check_database_name(name: str) -> str | None:
    """A database name Neon lets a project create: not reserved, at most 63 bytes."""
    if name.lower() in RESERVED_DATABASE_NAMES:
        return (
            f"{show_value(name)} is a reserved database name in Neon "
            f"({', '.join(RESERVED_DATABASE_NAMES)})"
        )
    return _check_identifier(name)


def default_role_for(database: str) -> str:
    """The owner role Neon creates with a database when no role name is given."""
    return f"{database}{DEFAULT_ROLE_SUFFIX}"


def _check_identifier(name: str) -> str | None:
    if not name:
        return "a name cannot be empty"
    if any(not ch.isprintable() for ch in name):
        return f"{show_value(name)} contains control characters"
    size = len(name.encode("utf-8"))
    if size > NAME_MAX_BYTES:
        return f"'{shorten(name)}' is {size} bytes long; Postgres names are at most 63 bytes"
    return None


# IP allow list entries [D-ip]: single IPv4/IPv6 addresses, ranges `a-b`, CIDR notation.
IP_ALLOW_MAX_ENTRIES = 1000  # far above real lists; keeps a hostile file from growing a request

# Read replicas: read-only computes on the default branch [D-comp] ("multiple read replicas").
READ_REPLICAS_MAX = 10

# Maintenance window [SPEC MaintenanceWindow][D-updates]: weekdays 1 (Monday) to 7 (Sunday);
# start and end as HH:MM in UTC, at least one hour apart, on one day (an end of 00:00 is midnight).
WEEKDAYS = range(1, 8)
MAINTENANCE_MIN_MINUTES = 60

# Postgres settings [SPEC PgSettingsData][D-compat]: Neon lets users set the parameters of
# Postgres' `user` context (settable per session, role or database), matched without case;
# instance-level ones (max_connections, shared_buffers...) are refused. Postgres 14 to 18.
PG_SETTING_NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"
PG_SETTING_VALUE_MAX_CHARS = 1024
_USER_CONTEXT = """
    application_name array_nulls backend_flush_after backslash_quote bytea_output
    check_function_bodies client_connection_check_interval client_encoding client_min_messages
    commit_siblings constraint_exclusion cpu_index_tuple_cost cpu_operator_cost cpu_tuple_cost
    cursor_tuple_fraction DateStyle default_statistics_target default_table_access_method
    default_tablespace default_text_search_config default_toast_compression
    default_transaction_deferrable default_transaction_isolation default_transaction_read_only
    effective_cache_size effective_io_concurrency enable_async_append enable_bitmapscan
    enable_gathermerge enable_hashagg enable_hashjoin enable_incremental_sort
    enable_indexonlyscan enable_indexscan enable_material enable_memoize enable_mergejoin
    enable_nestloop enable_parallel_append enable_parallel_hash enable_partition_pruning
    enable_partitionwise_aggregate enable_partitionwise_join enable_seqscan enable_sort
    enable_tidscan escape_string_warning exit_on_error extra_float_digits from_collapse_limit
    geqo geqo_effort geqo_generations geqo_pool_size geqo_seed geqo_selection_bias geqo_threshold
    gin_fuzzy_search_limit gin_pending_list_limit hash_mem_multiplier
    idle_in_transaction_session_timeout idle_session_timeout IntervalStyle jit jit_above_cost
    jit_inline_above_cost jit_optimize_above_cost join_collapse_limit lc_monetary lc_numeric
    lc_time lock_timeout logical_decoding_work_mem maintenance_io_concurrency
    maintenance_work_mem max_parallel_maintenance_workers max_parallel_workers_per_gather
    min_parallel_index_scan_size min_parallel_table_scan_size parallel_leader_participation
    parallel_setup_cost parallel_tuple_cost password_encryption plan_cache_mode
    quote_all_identifiers random_page_cost row_security search_path seq_page_cost
    standard_conforming_strings statement_timeout synchronize_seqscans synchronous_commit
    tcp_keepalives_count tcp_keepalives_idle tcp_keepalives_interval tcp_user_timeout
    temp_buffers temp_tablespaces TimeZone timezone_abbreviations transform_null_equals
    vacuum_cost_delay vacuum_cost_limit vacuum_cost_page_dirty vacuum_cost_page_hit
    vacuum_cost_page_miss vacuum_failsafe_age vacuum_freeze_min_age vacuum_freeze_table_age
    vacuum_multixact_failsafe_age vacuum_multixact_freeze_min_age
    vacuum_multixact_freeze_table_age work_mem xmlbinary xmloption
"""
USER_CONTEXT_SETTINGS = frozenset(name.lower() for name in _USER_CONTEXT.split())


def check_ip_entry(entry: str) -> str | None:
    """An allow-list entry Neon accepts: an address, a CIDR range, or a range `first-last`."""
    if "%" in entry:
        return f"{show_value(entry)} has an IPv6 zone index (%...), which Neon does not accept"
    try:
        if "-" in entry:
            first_text, last_text = entry.split("-", 1)
            first = ipaddress.ip_address(first_text.strip())
            last = ipaddress.ip_address(last_text.strip())
            if first.version != last.version:
                return f"{show_value(entry)} mixes IPv4 and IPv6 in one range"
            if int(first) > int(last):
                return f"{show_value(entry)} is a range whose first address is after its last"
        elif "/" in entry:
            ipaddress.ip_network(entry, strict=False)  # Neon accepts host bits (203.0.113.5/24)
        else:
            ipaddress.ip_address(entry)
    except ValueError:
        return (
            f"{show_value(entry)} is not an IP address, a CIDR range (203.0.113.0/24) or a "
            "range (203.0.113.10-203.0.113.20)"
        )
    return None


def check_pg_setting(name: str, value: str) -> str | None:
    """A Postgres setting Neon lets users give its computes (a `user`-context parameter)."""
    if not re.fullmatch(PG_SETTING_NAME_PATTERN, name) or len(name) > NAME_MAX_BYTES:
        return f"{show_value(name)} is not a Postgres parameter name (e.g. work_mem)"
    if name.lower() not in USER_CONTEXT_SETTINGS:
        return (
            f"{show_value(name)} cannot be set on Neon: only Postgres parameters of the user "
            f"context are (work_mem, statement_timeout, search_path...)"
            f"{did_you_mean(name.lower(), USER_CONTEXT_SETTINGS)}"
        )
    if any(not ch.isprintable() for ch in value):
        return f"the value of {name} contains control characters"
    if not value or len(value) > PG_SETTING_VALUE_MAX_CHARS:
        return f"the value of {name} must be 1 to {PG_SETTING_VALUE_MAX_CHARS} characters"
    return None


def check_clock_time(text: str) -> str | None:
    """`HH:MM`, 00:00 to 23:59 (UTC)."""
    found = re.fullmatch(r"([0-9]{2}):([0-9]{2})", text)
    if found is None or int(found[1]) > 23 or int(found[2]) > 59:
        return f"{show_value(text)} is not a time of day as HH:MM (00:00 to 23:59, UTC)"
    return None


def check_window(start: str, end: str) -> str | None:
    """A window Neon accepts: at least an hour, within one day (an end of 00:00 is midnight)."""
    first = int(start[:2]) * 60 + int(start[3:])
    last = int(end[:2]) * 60 + int(end[3:]) or 24 * 60
    if last - first >= MAINTENANCE_MIN_MINUTES:
        return None
    return (
        f"a maintenance window from {start} to {end} is not one Neon accepts: it must last at "
        "least one hour and end on the day it starts (an end of 00:00 is midnight)"
    )
