"""Secrets never reach a log line, whatever the caller passes."""

from __future__ import annotations

import json

import pytest
import structlog

from controller.logs import configure_logging, get_logger, redact_text, register_secret

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
