"""Facts of PostgreSQL itself that both sides of Neon's API need.

Why this exists: the controller validates Postgres settings before it calls Neon, and the
emulator refuses what Neon refuses; both follow the same rule of PostgreSQL, so the list lives
once, here, outside both (the emulator imports nothing from the controller's own layers).
"""

from __future__ import annotations

# The parameters of PostgreSQL 14 to 18 whose context is `user` (settable per session, role or
# database): the ones Neon documents as user-configurable (neon.com/docs/reference/
# compatibility); instance-level ones (max_connections, shared_buffers...) are refused. Names are
# matched case-insensitively, so the set holds them in lower case.
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
