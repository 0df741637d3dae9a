"""State files: what survives a restart of the app, and what is refused with a clear error."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from controller.emulator import EmulatorConfig, StateFileError, create_app
from controller.emulator.store import SCHEMA_VERSION
from tests.emulator.conftest import NeonFactory

pytestmark = pytest.mark.anyio


async def test_projects_and_the_clock_offset_survive_a_new_app_on_the_same_file(
    neon_factory: NeonFactory, tmp_path: Path
) -> None:
    state = tmp_path / "fleet" / ".tenantctl" / "emulator-state.sqlite3"
    first = await neon_factory(state_file=state)
    created = await first.create_project(name="kept", settings={"quota": {"written_data_bytes": 5}})
    project_id = created["project"]["id"]
    await first.emulator.add_consumption(project_id, written_data_bytes=3)
    await first.emulator.advance_clock(600)
    first.emulator.app.emulator.close()

    second = await neon_factory(state_file=state)
    project = (await second.get(f"/projects/{project_id}"))["project"]
    assert (project["name"], project["written_data_bytes"]) == ("kept", 3)
    assert project["settings"]["quota"] == {"written_data_bytes": 5}
    assert (await second.emulator.control("GET", "/clock"))["offset_seconds"] == 600
    endpoint = (await second.get(f"/projects/{project_id}/endpoints"))["endpoints"][0]
    assert endpoint["current_state"] == "idle"  # scale-to-zero happened during the 600 s
    for path in state.parent.glob(f"{state.name}*"):  # the database and its -wal and -shm
        assert path.stat().st_mode & 0o777 == 0o600, path


def test_a_file_that_is_not_a_state_file_is_refused(tmp_path: Path) -> None:
    garbage = tmp_path / "state"
    garbage.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StateFileError, match="cannot open emulator state file"):
        create_app(EmulatorConfig(state_file=garbage))


def test_another_programs_sqlite_database_is_refused_and_left_untouched(tmp_path: Path) -> None:
    foreign = tmp_path / "app.sqlite3"
    with sqlite3.connect(foreign) as db:
        db.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY)")
    before = foreign.read_bytes()
    with pytest.raises(StateFileError, match="SQLite database of something else"):
        create_app(EmulatorConfig(state_file=foreign))
    assert foreign.read_bytes() == before


def test_a_state_file_of_another_schema_version_is_refused(tmp_path: Path) -> None:
    state = tmp_path / "state.sqlite3"
    create_app(EmulatorConfig(state_file=state)).emulator.close()
    with sqlite3.connect(state) as db:
        db.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(
        StateFileError, match=f"schema version 99; this emulator reads version {SCHEMA_VERSION}"
    ):
        create_app(EmulatorConfig(state_file=state))


async def test_a_failed_request_leaves_no_partial_change_behind(
    neon_factory: NeonFactory, tmp_path: Path
) -> None:
    neon = await neon_factory(state_file=tmp_path / "state.sqlite3")
    response = await neon.api.post(
        "/projects", json={"project": {"branch": {"database_name": "postgres"}}}
    )
    assert response.status_code == 400
    assert (await neon.get("/projects"))["projects"] == []


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("operation_seconds", -1.0, "operation_seconds: must be a finite number >= 0"),
        ("rate_per_minute", -5, "rate_per_minute: must be an integer >= 0"),
        ("api_key", " ", "api_key: must be a non-empty string"),
    ],
)
def test_bad_settings_fail_at_construction_naming_the_setting(
    option: str, value: object, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        EmulatorConfig(**{option: value})  # type: ignore[arg-type]
