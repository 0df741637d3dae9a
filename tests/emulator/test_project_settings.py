"""Project settings Neon documents (IP allow list, public access, maintenance window, logical
replication, Postgres settings): stored, returned by create, get, list and update, and refused
with Neon's error shape where Neon refuses them. Every exchange is contract-validated."""

from __future__ import annotations

from typing import Any

import pytest

from tests.emulator.conftest import Neon, NeonFactory

pytestmark = pytest.mark.anyio

VALID_IPS = [
    "192.0.2.1",
    "198.51.100.20-198.51.100.50",
    "203.0.113.0/24",
    "2001:DB8:5432::/48",
    "2001:db8::1",
    "2001:db8::10-2001:db8::20",
]


async def patch_settings(neon: Neon, project_id: str, **settings: Any) -> Any:
    return await neon.api.patch(f"/projects/{project_id}", json={"project": {"settings": settings}})


async def test_allowed_ips_round_trip_through_create_get_list_and_update(neon: Neon) -> None:
    allowed = {"ips": VALID_IPS, "protected_branches_only": True}
    created = await neon.create_project(settings={"allowed_ips": allowed})
    project_id = created["project"]["id"]
    assert created["project"]["settings"]["allowed_ips"] == allowed
    assert (await neon.get(f"/projects/{project_id}"))["project"]["settings"]["allowed_ips"] == (
        allowed
    )
    (listed,) = (await neon.get("/projects"))["projects"]
    assert listed["settings"]["allowed_ips"] == allowed
    # The list is replaced, never appended to; the flag left out keeps its value.
    response = await patch_settings(neon, project_id, allowed_ips={"ips": [" 192.0.2.9 "]})
    assert response.status_code == 200
    assert response.json()["project"]["settings"]["allowed_ips"] == {
        "ips": ["192.0.2.9"],  # whitespace is ignored, as Neon documents
        "protected_branches_only": True,
    }


async def test_an_empty_allow_list_means_no_restriction_and_is_the_default(neon: Neon) -> None:
    created = await neon.create_project()
    settings = created["project"]["settings"]
    assert settings["allowed_ips"] == {"ips": [], "protected_branches_only": False}
    assert settings["block_public_connections"] is False
    project_id = created["project"]["id"]
    await patch_settings(neon, project_id, allowed_ips={"ips": ["192.0.2.1"]})
    response = await patch_settings(neon, project_id, allowed_ips={"ips": []})
    assert response.json()["project"]["settings"]["allowed_ips"]["ips"] == []


@pytest.mark.parametrize(
    ("entry", "reason"),
    [
        ("192.0.2.256", "is not an IP address, an IP range (FIRST-LAST) or a CIDR block"),
        ("203.0.113.0/33", "is not a valid CIDR block"),
        ("198.51.100.50-198.51.100.20", "is a range whose first address comes after its last"),
        ("192.0.2.1-2001:db8::1", "mixes IPv4 and IPv6 in one range"),
        ("192.0.2.1-", "is not a valid IP range (expected FIRST-LAST, two addresses)"),
        ("fe80::1%eth0", "is not an IP address, an IP range (FIRST-LAST) or a CIDR block"),
        ("example.com", "is not an IP address, an IP range (FIRST-LAST) or a CIDR block"),
        ("   ", "is empty"),
    ],
)
async def test_allow_list_entries_neon_does_not_accept_are_refused(
    neon: Neon, entry: str, reason: str
) -> None:
    response = await neon.api.post(
        "/projects",
        json={"project": {"settings": {"allowed_ips": {"ips": ["192.0.2.1", entry]}}}},
    )
    assert response.status_code == 400
    assert response.json() == {
        "code": "",
        "message": f"settings.allowed_ips.ips[1]: {entry.strip()!r} {reason}",
    }


async def test_block_public_connections_is_stored_and_patched(neon: Neon) -> None:
    created = await neon.create_project(settings={"block_public_connections": True})
    project_id = created["project"]["id"]
    assert created["project"]["settings"]["block_public_connections"] is True
    response = await patch_settings(neon, project_id, block_public_connections=False)
    assert response.json()["project"]["settings"]["block_public_connections"] is False
    quota = {"quota": {"active_time_seconds": 3600}}
    response = await patch_settings(neon, project_id, **quota)  # other settings keep their value
    settings = response.json()["project"]["settings"]
    assert settings["block_public_connections"] is False
    assert settings["quota"] == {"active_time_seconds": 3600}


# --- maintenance window -------------------------------------------------------------------------


async def test_every_project_reports_a_maintenance_window_and_can_choose_one(neon: Neon) -> None:
    created = await neon.create_project()
    project_id = created["project"]["id"]
    assigned = created["project"]["settings"]["maintenance_window"]
    assert len(assigned["weekdays"]) == 1
    assert 1 <= assigned["weekdays"][0] <= 7
    assert (
        assigned
        == (await neon.get(f"/projects/{project_id}"))["project"]["settings"]["maintenance_window"]
    )
    window = {"weekdays": [6, 7], "start_time": "23:00", "end_time": "00:00"}
    response = await patch_settings(neon, project_id, maintenance_window=window)
    assert response.status_code == 200
    assert response.json()["project"]["settings"]["maintenance_window"] == window
    (listed,) = (await neon.get("/projects"))["projects"]
    assert listed["settings"]["maintenance_window"] == window


@pytest.mark.parametrize(
    ("window", "message"),
    [
        (
            {"weekdays": [1], "start_time": "22:00", "end_time": "03:00"},
            "settings.maintenance_window: 22:00-03:00 UTC is not allowed; the window must be at "
            "least one hour long and end on the same day it starts (end_time 00:00 means "
            "midnight)",
        ),
        (
            {"weekdays": [1], "start_time": "01:00", "end_time": "01:30"},
            "settings.maintenance_window: 01:00-01:30 UTC is not allowed; the window must be at "
            "least one hour long and end on the same day it starts (end_time 00:00 means "
            "midnight)",
        ),
        (
            {"weekdays": [1], "start_time": "1:00", "end_time": "03:00"},
            "settings.maintenance_window.start_time: '1:00' is not a UTC time as HH:MM "
            "(00:00 to 23:59)",
        ),
        (
            {"weekdays": [1], "start_time": "01:00", "end_time": "24:00"},
            "settings.maintenance_window.end_time: '24:00' is not a UTC time as HH:MM "
            "(00:00 to 23:59)",
        ),
        (
            {"weekdays": [0], "start_time": "01:00", "end_time": "02:00"},
            "settings.maintenance_window.weekdays: 0 is not a weekday (1 = Monday, 7 = Sunday)",
        ),
        (
            {"weekdays": [], "start_time": "01:00", "end_time": "02:00"},
            "settings.maintenance_window.weekdays: must list at least one day "
            "(1 = Monday, 7 = Sunday)",
        ),
        (
            {"weekdays": [2, 2], "start_time": "01:00", "end_time": "02:00"},
            "settings.maintenance_window.weekdays: lists a day more than once",
        ),
    ],
)
async def test_maintenance_windows_outside_neons_rules_are_refused(
    neon: Neon, window: dict[str, Any], message: str
) -> None:
    project_id = (await neon.create_project())["project"]["id"]
    response = await patch_settings(neon, project_id, maintenance_window=window)
    assert response.status_code == 400
    assert response.json()["message"] == message


# --- logical replication ------------------------------------------------------------------------


async def test_enabling_logical_replication_suspends_active_computes_through_operations(
    neon_factory: NeonFactory,
) -> None:
    neon = await neon_factory(operation_seconds=2.0)
    created = await neon.create_project()
    project_id, endpoint_id = created["project"]["id"], created["endpoints"][0]["id"]
    neon.clock.advance(5)
    endpoint_path = f"/projects/{project_id}/endpoints/{endpoint_id}"
    assert (await neon.get(endpoint_path))["endpoint"]["current_state"] == "active"
    response = await patch_settings(neon, project_id, enable_logical_replication=True)
    assert response.status_code == 200
    assert response.json()["project"]["settings"]["enable_logical_replication"] is True
    operations = response.json()["operations"]
    assert [(op["action"], op["endpoint_id"]) for op in operations] == [
        ("suspend_compute", endpoint_id)
    ]
    # The project is busy until the suspension finishes, as any scheduled work makes it.
    start = await neon.api.post(f"{endpoint_path}/start")
    assert start.status_code == 423
    neon.clock.advance(2)
    assert (await neon.get(endpoint_path))["endpoint"]["current_state"] == "idle"


async def test_logical_replication_cannot_be_disabled_once_enabled(neon: Neon) -> None:
    created = await neon.create_project(settings={"enable_logical_replication": True})
    project_id = created["project"]["id"]
    assert created["project"]["settings"]["enable_logical_replication"] is True
    again = await patch_settings(neon, project_id, enable_logical_replication=True)
    assert (again.status_code, again.json()["operations"]) == (200, [])
    response = await patch_settings(neon, project_id, enable_logical_replication=False)
    assert response.status_code == 400
    assert response.json() == {
        "code": "",
        "message": "settings.enable_logical_replication: logical replication cannot be "
        "disabled once it has been enabled",
    }
    project = (await neon.get(f"/projects/{project_id}"))["project"]
    assert project["settings"]["enable_logical_replication"] is True


async def test_enabling_logical_replication_with_idle_computes_schedules_nothing(
    neon: Neon,
) -> None:
    created = await neon.create_project()
    project_id = created["project"]["id"]
    neon.clock.advance(300)  # scaled to zero
    response = await patch_settings(neon, project_id, enable_logical_replication=True)
    assert (response.status_code, response.json()["operations"]) == (200, [])


# --- Postgres settings --------------------------------------------------------------------------


async def test_default_pg_settings_are_stored_and_given_to_new_computes(neon: Neon) -> None:
    pg = {"work_mem": "64MB", "statement_timeout": "30s"}
    created = await neon.create_project(default_endpoint_settings={"pg_settings": pg})
    project_id, branch_id = created["project"]["id"], created["branch"]["id"]
    assert created["project"]["default_endpoint_settings"]["pg_settings"] == pg
    assert created["endpoints"][0]["settings"]["pg_settings"] == pg
    replica = await neon.api.post(
        f"/projects/{project_id}/endpoints",
        json={"endpoint": {"branch_id": branch_id, "type": "read_only"}},
    )
    assert replica.json()["endpoint"]["settings"]["pg_settings"] == pg
    # A new defaults map replaces the old one, and existing computes keep theirs (as in Neon).
    response = await neon.api.patch(
        f"/projects/{project_id}",
        json={"project": {"default_endpoint_settings": {"pg_settings": {"TimeZone": "UTC"}}}},
    )
    defaults = response.json()["project"]["default_endpoint_settings"]
    assert defaults["pg_settings"] == {"TimeZone": "UTC"}
    endpoint = (await neon.get(f"/projects/{project_id}/endpoints"))["endpoints"][0]
    assert endpoint["settings"]["pg_settings"] == pg


async def test_changing_a_computes_pg_settings_reconfigures_it_without_a_restart(
    neon_factory: NeonFactory,
) -> None:
    neon = await neon_factory(operation_seconds=1.0)
    created = await neon.create_project()
    project_id, endpoint_id = created["project"]["id"], created["endpoints"][0]["id"]
    neon.clock.advance(2)
    path = f"/projects/{project_id}/endpoints/{endpoint_id}"
    started_at = (await neon.get(path))["endpoint"]["started_at"]
    response = await neon.api.patch(
        path, json={"endpoint": {"settings": {"pg_settings": {"lock_timeout": "5s"}}}}
    )
    assert [op["action"] for op in response.json()["operations"]] == ["apply_config"]
    neon.clock.advance(2)
    endpoint = (await neon.get(path))["endpoint"]
    assert endpoint["settings"]["pg_settings"] == {"lock_timeout": "5s"}
    assert (endpoint["current_state"], endpoint["started_at"]) == ("active", started_at)


@pytest.mark.parametrize(
    ("pg_settings", "message"),
    [
        (
            {"max_connections": "500"},
            "default_endpoint_settings.pg_settings.max_connections: this parameter cannot be "
            "changed; Neon lets you set only Postgres parameters of the user context (work_mem, "
            "statement_timeout, search_path...)",
        ),
        (
            {"shared_buffers": "1GB"},
            "default_endpoint_settings.pg_settings.shared_buffers: this parameter cannot be "
            "changed; Neon lets you set only Postgres parameters of the user context (work_mem, "
            "statement_timeout, search_path...)",
        ),
        (
            {"work-mem": "1MB"},
            "default_endpoint_settings.pg_settings.work-mem: 'work-mem' is not a Postgres "
            "parameter name",
        ),
        (
            {"work_mem": "1MB\n"},
            "default_endpoint_settings.pg_settings.work_mem: must not contain control "
            "characters (U+000A at index 3)",
        ),
    ],
)
async def test_pg_settings_neon_does_not_let_users_set_are_refused(
    neon: Neon, pg_settings: dict[str, str], message: str
) -> None:
    response = await neon.api.post(
        "/projects",
        json={"project": {"default_endpoint_settings": {"pg_settings": pg_settings}}},
    )
    assert response.status_code == 400
    assert response.json()["message"] == message


async def test_a_computes_own_pg_settings_follow_the_same_rule(neon: Neon) -> None:
    created = await neon.create_project()
    path = f"/projects/{created['project']['id']}/endpoints/{created['endpoints'][0]['id']}"
    response = await neon.api.patch(
        path, json={"endpoint": {"settings": {"pg_settings": {"wal_level": "logical"}}}}
    )
    assert response.status_code == 400
    assert response.json()["message"].startswith("settings.pg_settings.wal_level: this parameter")
    assert (await neon.get(path))["endpoint"]["settings"] == {}
