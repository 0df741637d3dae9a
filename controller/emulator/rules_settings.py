"""Neon's rules for a project's settings: IP allow list, maintenance window, logical replication,
Postgres settings, and the names of what a project holds.

Why this exists: the contract types these settings loosely (a list of strings, "HH:MM" strings,
a string map); Neon's documentation adds what it accepts, and a controller that validates before
calling Neon must meet the same rules. Each check raises a 400 `ApiError` naming the field and
the rule. Sources (docs/emulator.md cites them in full):
- [D-ipallow] neon.com/docs/manage/projects#configure-ip-allow: individual IPv4 and IPv6
  addresses, ranges `a-b`, CIDR blocks; whitespace is ignored; an empty list allows every IP.
- [D-updates] neon.com/docs/manage/updates: weekdays 1 (Monday) to 7 (Sunday); `start_time` and
  `end_time` in UTC `HH:MM`, at least one hour apart, on the same day (`23:00`-`00:00` is valid,
  `22:00`-`03:00` is not).
- [SPEC ProjectSettingsData] `enable_logical_replication`: once enabled it cannot be disabled.
- [D-compat] neon.com/docs/reference/compatibility: Neon lets users set the parameters of
  Postgres' `user` context; instance-level parameters are not user-configurable (a Neon engineer:
  setting `max_connections` through the API "throws an error", neondatabase/website#1756).
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

from controller.emulator.errors import bad_request

MINUTES_PER_DAY = 24 * 60
MIN_WINDOW_MINUTES = 60
_TIME = re.compile(r"(?P<hour>[01]\d|2[0-3]):(?P<minute>[0-5]\d)")
_GUC_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
LOGICAL_REPLICATION_ONE_WAY = (
    "settings.enable_logical_replication: logical replication cannot be disabled once it has "
    "been enabled"
)

# The parameters of PostgreSQL 14 to 18 whose context is `user` (settable per session, role or
# database), the ones Neon documents as user-configurable [D-compat]. Matched case-insensitively.
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


# --- text ---------------------------------------------------------------------------------------


def control_character(text: str) -> tuple[int, str] | None:
    """The index and code point (`U+0000`) of the first control character in `text`, if any
    (C0, DEL and C1: what no name, terminal or Postgres identifier should carry)."""
    for index, char in enumerate(text):
        if unicodedata.category(char) == "Cc":
            return index, f"U+{ord(char):04X}"
    return None


def check_no_control(field: str, text: str) -> None:
    found = control_character(text)
    if found is not None:
        raise bad_request(
            f"{field}: must not contain control characters ({found[1]} at index {found[0]})"
        )


# --- IP allow list ------------------------------------------------------------------------------


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    if "%" in text:  # an IPv6 zone index names a local interface, not a client address
        return None
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _entry_problem(entry: str) -> str | None:
    """None when `entry` is an address, a range `a-b` or a CIDR block; otherwise what is wrong."""
    if _address(entry) is not None:
        return None
    if "/" in entry:
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            return "is not a valid CIDR block"
        return None if "%" not in entry else "is not a valid CIDR block"
    first, dash, last = entry.partition("-")
    if dash:
        low, high = _address(first.strip()), _address(last.strip())
        if low is None or high is None:
            return "is not a valid IP range (expected FIRST-LAST, two addresses)"
        if low.version != high.version:
            return "mixes IPv4 and IPv6 in one range"
        if int(low) > int(high):
            return "is a range whose first address comes after its last"
        return None
    return "is not an IP address, an IP range (FIRST-LAST) or a CIDR block"


def normalize_allowed_ips(ips: Sequence[str]) -> list[str]:
    """The entries with surrounding whitespace removed ([D-ipallow]: whitespace is ignored),
    each checked; 400 naming the first bad entry."""
    cleaned: list[str] = []
    for index, raw in enumerate(ips):
        entry = raw.strip()
        field = f"settings.allowed_ips.ips[{index}]"
        check_no_control(field, entry)
        problem = "is empty" if not entry else _entry_problem(entry)
        if problem is not None:
            raise bad_request(f"{field}: {entry[:64]!r} {problem}")
        cleaned.append(entry)
    return cleaned


# --- maintenance window -------------------------------------------------------------------------


def _minutes(field: str, text: str) -> int:
    found = _TIME.fullmatch(text)
    if found is None:
        raise bad_request(f"{field}: {text[:16]!r} is not a UTC time as HH:MM (00:00 to 23:59)")
    return int(found["hour"]) * 60 + int(found["minute"])


def check_maintenance_window(weekdays: Sequence[int], start_time: str, end_time: str) -> None:
    """[D-updates]: days 1-7, HH:MM times at least an hour apart within one day."""
    where = "settings.maintenance_window"
    if not weekdays:
        raise bad_request(f"{where}.weekdays: must list at least one day (1 = Monday, 7 = Sunday)")
    for day in weekdays:
        if not 1 <= day <= 7:
            raise bad_request(f"{where}.weekdays: {day} is not a weekday (1 = Monday, 7 = Sunday)")
    if len(set(weekdays)) != len(weekdays):
        raise bad_request(f"{where}.weekdays: lists a day more than once")
    start = _minutes(f"{where}.start_time", start_time)
    end = _minutes(f"{where}.end_time", end_time) or MINUTES_PER_DAY  # 00:00 ends the day
    if end - start < MIN_WINDOW_MINUTES:
        raise bad_request(
            f"{where}: {start_time}-{end_time} UTC is not allowed; the window must be at least "
            "one hour long and end on the same day it starts (end_time 00:00 means midnight)"
        )


def default_maintenance_window(project_id: str) -> dict[str, Any]:
    """The one-hour window Neon assigns a project that chose none (stable for a project)."""
    digest = hashlib.sha256(project_id.encode()).digest()
    hour = digest[1] % 24
    return {
        "weekdays": [1 + digest[0] % 7],
        "start_time": f"{hour:02d}:00",
        "end_time": f"{(hour + 1) % 24:02d}:00",
    }


# --- logical replication ------------------------------------------------------------------------


def check_logical_replication(current: bool, requested: bool | None) -> bool:
    """True when the request enables logical replication now; 400 when it would disable it."""
    if requested is None or requested == current:
        return False
    if current and not requested:
        raise bad_request(LOGICAL_REPLICATION_ONE_WAY)
    return True


# --- Postgres settings --------------------------------------------------------------------------


def check_pg_settings(field: str, settings: Mapping[str, str]) -> None:
    """Only `user`-context parameters [D-compat]; values free of control characters."""
    for name, value in settings.items():
        where = f"{field}.{name[:64]}"
        check_no_control(f"{field} (a parameter name)", name)
        if not _GUC_NAME.fullmatch(name):
            raise bad_request(f"{where}: {name[:64]!r} is not a Postgres parameter name")
        if name.lower() not in USER_CONTEXT_SETTINGS:
            raise bad_request(
                f"{where}: this parameter cannot be changed; Neon lets you set only Postgres "
                "parameters of the user context (work_mem, statement_timeout, search_path...)"
            )
        check_no_control(where, value)
