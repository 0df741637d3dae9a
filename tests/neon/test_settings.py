"""NeonSettings: read from the environment, checked at once, and never showing the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from controller.logs import redact_text
from controller.neon import NeonConfigError, NeonSettings

KEY = "opaque-settings-test-key-7f3a9c"


def test_from_env_reads_key_host_and_org() -> None:
    settings = NeonSettings.from_env(
        {
            "NEON_API_KEY": KEY,
            "NEON_API_HOST": "http://127.0.0.1:4010/api/v2/",
            "NEON_ORG_ID": "org-1",
        }
    )
    assert (settings.api_key, settings.host, settings.org_id) == (
        KEY,
        "http://127.0.0.1:4010/api/v2",
        "org-1",
    )


def test_defaults_follow_neons_documented_limits() -> None:
    settings = NeonSettings.from_env({"NEON_API_KEY": KEY})
    assert settings.host == "https://console.neon.tech/api/v2"
    assert settings.org_id is None
    assert (
        settings.requests_per_minute,
        settings.burst_per_second,
        settings.consumption_requests_per_minute,
    ) == (700, 40, 50)


def test_overrides_win_over_the_environment() -> None:
    settings = NeonSettings.from_env({"NEON_API_KEY": KEY}, requests_per_minute=100)
    assert settings.requests_per_minute == 100


def test_the_key_never_shows_and_is_registered_for_redaction() -> None:
    settings = NeonSettings.from_env({"NEON_API_KEY": KEY})
    assert KEY not in repr(settings)
    assert KEY not in str(settings)
    assert redact_text(f"key={KEY}") == "key=***"


@pytest.mark.parametrize(
    ("environ", "overrides", "message"),
    [
        ({}, {}, "NEON_API_KEY is not set: export a Neon API key to call Neon"),
        ({"NEON_API_KEY": "  "}, {}, "NEON_API_KEY is not set"),
        (
            {"NEON_API_KEY": KEY, "NEON_API_HOST": "console.neon.tech"},
            {},
            "NEON_API_HOST / host must be an http(s) URL such as https://console.neon.tech/api/v2,"
            " got 'console.neon.tech'",
        ),
        (
            {"NEON_API_KEY": KEY, "NEON_ORG_ID": "Org_1"},
            {},
            "NEON_ORG_ID / org_id must match ^[a-z0-9-]{1,60}$, got 'Org_1'",
        ),
        (
            {"NEON_API_KEY": KEY},
            {"requests_per_minute": 0},
            "setting requests_per_minute must be > 0",
        ),
        ({"NEON_API_KEY": KEY}, {"rate_slowdown_factor": 1.5}, "must be in (0, 1], got 1.5"),
        (
            {"NEON_API_KEY": KEY},
            {"max_attempts": 0},
            "setting max_attempts must be an integer >= 1, got 0",
        ),
        ({"NEON_API_KEY": KEY}, {"backoff_jitter": 1.0}, "backoff_jitter is out of range"),
        ({"NEON_API_KEY": KEY}, {"retries": 3}, "unknown Neon client setting(s): retries"),
        (
            {"NEON_API_KEY": KEY},
            {"max_response_bytes": 0},
            "setting max_response_bytes must be an integer >= 1, got 0",
        ),
        (
            {"NEON_API_KEY": KEY},
            {"max_list_items": 2.5},
            "setting max_list_items must be an integer >= 1, got 2.5",
        ),
        (
            {"NEON_API_KEY": KEY},
            {"request_deadline_seconds": 0},
            "setting request_deadline_seconds must be > 0",
        ),
        (
            {"NEON_API_KEY": KEY},
            {"command_deadline_seconds": -1},
            "setting command_deadline_seconds must be > 0",
        ),
        (
            {"NEON_API_KEY": KEY},
            {"operation_expected_seconds": 0},
            "setting operation_expected_seconds must be > 0",
        ),
        (
            {"NEON_API_KEY": KEY},
            {"operation_list_limit": 1001},
            "setting operation_list_limit is out of range: 1001",
        ),
        ({"NEON_API_KEY": KEY}, {"pace": "no"}, "setting pace must be true or false, got 'no'"),
        (
            {"NEON_API_KEY": KEY},
            {"shared_limiter_dir": 3},
            "setting shared_limiter_dir must be a directory path, got 3",
        ),
    ],
)
def test_bad_configuration_is_a_one_line_error_naming_the_setting(
    environ: dict[str, str], overrides: dict[str, object], message: str
) -> None:
    with pytest.raises(NeonConfigError) as caught:
        NeonSettings.from_env(environ, **overrides)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_a_key_with_spaces_is_refused_without_echoing_it() -> None:
    with pytest.raises(NeonConfigError) as caught:
        NeonSettings(api_key="two words-secretpart")
    assert "secretpart" not in str(caught.value)


def test_bounds_default_to_documented_values() -> None:
    settings = NeonSettings.from_env({"NEON_API_KEY": KEY}, shared_limiter_dir=".tenantctl")
    assert (
        settings.max_response_bytes,
        settings.max_list_items,
        settings.request_deadline_seconds,
        settings.upstream_text_max_chars,
        settings.operation_expected_seconds,
        settings.pace,
    ) == (16 * 2**20, 100_000, 120.0, 2000, 1.0, True)
    assert settings.shared_limiter_dir == Path(".tenantctl")
