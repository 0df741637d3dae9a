"""Secrets never reach a log line, whatever the caller passes."""

from __future__ import annotations

import json
import logging
import time

import pytest
import structlog

from controller import logs
from controller.logs import (
    clip_text,
    configure_logging,
    get_logger,
    redact_text,
    register_secret,
)

API_KEY = "napi_abcdefghijklmnopqrstuvwxyz0123456789"
URI = "postgresql://acme_owner:s3cr3t-Pa55@ep-cool-1.us-east-2.aws.neon.tech/acme?sslmode=require"


@pytest.fixture(autouse=True)
def _json_logs() -> None:
    configure_logging(json_output=True)
    yield
    structlog.reset_defaults()


def test_connection_string_password_is_scrubbed() -> None:
    assert redact_text(URI) == (
        "postgresql://***:***@ep-cool-1.us-east-2.aws.neon.tech/acme?sslmode=require"
    )


def test_every_log_field_is_scrubbed(capsys: pytest.CaptureFixture[str]) -> None:
    register_secret("opaque-key-without-prefix")
    log = get_logger("test")
    log.info(
        "request_sent",
        headers={"Authorization": f"Bearer {API_KEY}"},
        note=f"key {API_KEY} and opaque-key-without-prefix",
        body={"connection_uris": [{"connection_uri": URI}], "role": {"password": "hunter2"}},
        error=RuntimeError(f"failed for {URI}"),
    )
    line = capsys.readouterr().err
    for secret in (API_KEY, "s3cr3t-Pa55", "hunter2", "opaque-key-without-prefix"):
        assert secret not in line
    event = json.loads(line)
    assert event["event"] == "request_sent"
    assert event["headers"]["Authorization"] == "***"
    assert event["body"]["role"]["password"] == "***"


@pytest.fixture
def fresh_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    """A registry of its own, so that a short key registered here leaks into no other test."""
    monkeypatch.setattr(logs, "_registered_secrets", logs._SecretRegistry())


@pytest.mark.usefixtures("fresh_secrets")
def test_a_short_common_key_leaves_host_names_intact() -> None:
    register_secret("local")
    text = "GET http://localhost:4010/api/v2 (local.example.com, local-dev, locale) failed"
    assert redact_text(text) == text


@pytest.mark.usefixtures("fresh_secrets")
def test_a_short_key_is_still_scrubbed_where_it_stands_as_a_secret() -> None:
    register_secret("local")
    text = (
        "key local; api_key=local&x=1 Authorization: Bearer local "
        '{"token": "local"} http://user:local@db.example.com/app (local).'
    )
    assert "local" not in redact_text(text).replace("db.example.com", "")
    assert redact_text("key local.") == "key ***."


@pytest.mark.usefixtures("fresh_secrets")
def test_a_real_looking_key_is_scrubbed_everywhere_it_appears() -> None:
    key = "opaque-Key_7f3a9c2e1d"
    register_secret(key)
    places = [
        f"{key}",
        f"key {key}.",
        f"x={key}&y",
        f'"{key}"',
        f"({key})",
        f"Bearer {key}",
        f"http://{key}@host/",
        f"line1\n{key}\nline3",
    ]
    for place in places:
        assert key not in redact_text(place), place


@pytest.mark.usefixtures("fresh_secrets")
def test_a_registered_connection_uri_hides_its_password_everywhere() -> None:
    register_secret("postgresql://app_owner:Zq8%2Fpw77Xy@ep-1.neon.tech/app?sslmode=require")
    assert redact_text("password is Zq8%2Fpw77Xy") == "password is ***"
    assert redact_text("decoded Zq8/pw77Xy here") == "decoded *** here"
    assert redact_text("app_owner@ep-1.neon.tech") == "app_owner@ep-1.neon.tech"


@pytest.mark.usefixtures("fresh_secrets")
def test_secret_shaped_text_is_scrubbed_without_registration() -> None:
    cases = {
        "Authorization: Basic dXNlcjpwYXNz": "Authorization: ***",
        "host=h password=hunter2 dbname=x": "host=h password=*** dbname=x",
        '{"password": "hunter2", "name": "x"}': '{"password": "***", "name": "x"}',
        "https://token@example.com/x": "https://***@example.com/x",
        "napi_abc123 failed": "*** failed",
    }
    for text, expected in cases.items():
        assert redact_text(text) == expected


# Inputs that made the former regex redactor quadratic (a 40 KB message took 10 s), each 200 KB.
ADVERSARIAL = {
    "letters": "a" * 200_000,
    "schemes": "a://" * 50_000,
    "userinfo": "a://b:" * 33_334,
    "colons": "a://" + ":" * 200_000,
    "keywords": "password=" * 22_223,
    "bearers": "Bearer " * 28_572,
    "tokens": "x local." * 25_000,
    "json": '"password": "' * 15_385,
}


@pytest.mark.usefixtures("fresh_secrets")
@pytest.mark.parametrize("name", sorted(ADVERSARIAL))
def test_redaction_is_linear_a_200_kb_message_takes_well_under_a_second(name: str) -> None:
    """The feature is the bound (issue 14): the old code needed over 120 s for 200 KB."""
    for n in range(200):
        register_secret(f"registered-secret-{n:04d}")
    text = ADVERSARIAL[name]
    started = time.process_time()
    redact_text(text)
    redact_text(text + text)  # 400 KB: twice the text, still nowhere near the bound
    assert time.process_time() - started < 1.0


def test_clip_text_says_how_much_was_cut() -> None:
    assert clip_text("abc", 5) == "abc"
    assert clip_text("a" * 2500) == "a" * 2000 + "... [cut: 500 more characters]"


def test_long_log_fields_are_clipped(capsys: pytest.CaptureFixture[str]) -> None:
    get_logger("test").info("long_field", note="x" * 50_000)
    event = json.loads(capsys.readouterr().err)
    assert len(event["note"]) < 5_000
    assert event["note"].endswith("more characters]")


def test_console_log_lines_cannot_drive_the_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(json_output=False, level=logging.INFO)
    get_logger("test").warning("neon_answer", error="a\x1b[2Jb", name="x\x07y")
    err = capsys.readouterr().err
    assert "\x1b[2J" not in err
    assert "a\\x1b[2Jb" in err
