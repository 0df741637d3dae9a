"""`tenantctl run` against a real git remote (a bare repository over file://) and a real emulator
server: commits are applied within an interval, a removed tenant file suspends its project,
drift is corrected at the next full refresh, and /metrics and /status say so."""

from __future__ import annotations

import json
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.conftest import REPO, NeonApi
from tests.support.controller_process import ControllerProcess, controller_env, wait_for
from tests.support.emulator_process import EmulatorProcess
from tests.support.git_repo import FleetRepo
from tests.support.notify_receiver import NotificationReceiver

INTERVAL = 1.0
FULL_REFRESH_EVERY = 2.0
# A commit is applied within one interval plus the fetch; the rest is slack for a loaded CI.
APPLIED_WITHIN = INTERVAL + 10.0
GiB = 1024**3
STATUS_SCHEMA = json.loads((REPO / "schema" / "status.json").read_text(encoding="utf-8"))


def samples(controller: ControllerProcess) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of /metrics, parsed by the official parser: (name, labels) -> value."""
    text = controller.get("/metrics").raise_for_status().text
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def sample(controller: ControllerProcess, name: str, **labels: str) -> float:
    return samples(controller).get((name, frozenset(labels.items())), 0.0)


def valid_status(controller: ControllerProcess) -> dict[str, Any]:
    status = controller.status()
    jsonschema.validate(status, STATUS_SCHEMA)
    return status


def in_force(controller: ControllerProcess, commit: str) -> dict[str, Any] | None:
    status = controller.status()
    last = status["last_cycle"]
    applied = last is not None and last["applied_revision"] == commit
    return status if applied and last["outcome"] == "success" else None


@pytest.fixture
def repo(tmp_path: Path, fleet_dir: Path) -> FleetRepo:
    return FleetRepo.create(tmp_path, fleet_dir)


@pytest.fixture
def receiver() -> Iterator[NotificationReceiver]:
    with NotificationReceiver() as running:
        yield running


@pytest.fixture
def controller(
    tmp_path: Path,
    repo: FleetRepo,
    emulator_server: EmulatorProcess,
    receiver: NotificationReceiver,
) -> Iterator[ControllerProcess]:
    workdir = tmp_path / "controller"
    workdir.mkdir()
    timing = ["--interval", "1s", "--full-refresh-every", "2s"]
    process = ControllerProcess(
        args=["--git", repo.url, *timing, "--notify-url", receiver.url],
        cwd=workdir,
        env=controller_env(emulator_server),
        log_file=tmp_path / "controller.log",
    )
    process.start()
    yield process
    process.kill()


def test_commits_are_applied_removed_tenants_suspended_and_drift_corrected(
    controller: ControllerProcess, repo: FleetRepo, emulator_server: EmulatorProcess
) -> None:
    neon = NeonApi(emulator_server)
    first = repo.head()
    status = wait_for(lambda: in_force(controller, first), timeout=30, what="the first commit")
    assert status["source"] == {
        "kind": "git",
        "url": repo.url,
        "branch": "main",
        "path": None,
        "dir": str(controller.cwd / ".tenantctl" / "source"),
    }
    assert sorted(p["name"] for p in neon.projects()) == sorted(status["tenants"])
    assert controller.get("/readyz").status_code == 200
    cycles_before = sample(controller, "tenantctl_cycles_total", outcome="success")

    # An upgrade commit: hooli moves from the free plan (512 MiB) to pro (10 GiB).
    hooli = neon.project_named("hooli")
    (repo.work / "tenants" / "hooli.yaml").write_text("plan: pro\n")
    pushed_at = time.monotonic()
    upgrade = repo.commit("hooli upgrades to pro")
    wait_for(lambda: in_force(controller, upgrade), timeout=APPLIED_WITHIN, what="the upgrade")
    assert time.monotonic() - pushed_at <= APPLIED_WITHIN
    assert neon.project(hooli["id"])["settings"]["quota"]["logical_size_bytes"] == 10 * GiB
    assert valid_status(controller)["tenants"]["hooli"]["revision"] == upgrade

    # A commit that removes a tenant file: its project is suspended (computes disabled), kept.
    globex = neon.project_named("globex")
    (repo.work / "tenants" / "globex.yaml").unlink()
    removal = repo.commit("globex leaves")
    status = wait_for(lambda: in_force(controller, removal), timeout=APPLIED_WITHIN, what="removal")
    assert all(e["disabled"] for e in neon.endpoints(globex["id"]))
    assert neon.project(globex["id"])["name"] == "globex"
    status = valid_status(controller)
    assert "globex" not in status["tenants"]
    assert status["last_cycle"]["plan"]["orphans"] == ["globex"]
    assert sample(controller, "tenantctl_tenants", state="orphaned") == 1

    # Drift made through the API between cycles, visible only to the per-tenant reads of a
    # full plan (a compute's size), is corrected by the next full refresh (every 2 s here).
    refreshes = sample(controller, "tenantctl_cycle_plans_total", mode="full", reason="refresh_due")
    acme = neon.project_named("acme")
    (endpoint,) = neon.endpoints(acme["id"])
    neon.patch_endpoint(acme["id"], endpoint["id"], autoscaling_limit_max_cu=2)
    wait_for(
        lambda: neon.endpoints(acme["id"])[0]["autoscaling_limit_max_cu"] == 4,
        timeout=FULL_REFRESH_EVERY + APPLIED_WITHIN,
        what="the drift to be corrected",
    )
    wait_for(
        lambda: (
            sample(controller, "tenantctl_cycle_plans_total", mode="full", reason="refresh_due")
            > refreshes
        ),
        timeout=FULL_REFRESH_EVERY + APPLIED_WITHIN,
        what="a full refresh on the timer",
    )

    # The counters moved with the cycles, and the request counter names routes, never ids.
    counted = samples(controller)
    assert sample(controller, "tenantctl_cycles_total", outcome="success") > cycles_before
    assert sample(controller, "tenantctl_revision_valid") == 1
    assert (
        sample(controller, "tenantctl_apply_actions_total", kind="update", outcome="applied") >= 1
    )
    assert (
        sample(controller, "tenantctl_apply_actions_total", kind="suspend", outcome="applied") == 1
    )
    routes = {
        dict(labels)["route"] for name, labels in counted if name.startswith("tenantctl_neon_req")
    }
    assert "/projects/{project_id}/endpoints" in routes
    assert not any(p["id"] in route for route in routes for p in neon.projects())
    neon.http.close()

    assert controller.stop(signal.SIGTERM) == 0


def test_an_invalid_commit_is_never_applied_and_the_next_good_one_recovers(
    controller: ControllerProcess,
    repo: FleetRepo,
    emulator_server: EmulatorProcess,
    receiver: NotificationReceiver,
) -> None:
    neon = NeonApi(emulator_server)
    good = repo.head()
    wait_for(lambda: in_force(controller, good), timeout=30, what="the first commit")
    hooli = neon.project_named("hooli")

    # One commit upgrades hooli and breaks another tenant's YAML: none of it is applied.
    (repo.work / "tenants" / "hooli.yaml").write_text("plan: pro\n")
    (repo.work / "tenants" / "wayne.yaml").write_text("plan: pro\nstate: sleeping\n")
    broken = repo.commit("hooli upgrades, wayne's file is broken")
    wait_for(
        lambda: (controller.status()["last_cycle"] or {}).get("revision") == broken,
        timeout=APPLIED_WITHIN,
        what="a cycle on the broken commit",
    )
    ready = controller.get("/readyz")
    assert ready.status_code == 503
    assert "tenants/wayne.yaml:2:" in ready.json()["reason"]
    assert sample(controller, "tenantctl_revision_valid") == 0
    status = valid_status(controller)
    assert status["revision"]["in_force"] == good
    assert status["revision"]["valid"] is False
    (error, *_) = status["invalid_revision"]["errors"]
    assert (error["path"], error["line"]) == ("tenants/wayne.yaml", 2)
    cycles = status["cycles"]
    wait_for(lambda: controller.status()["cycles"] >= cycles + 2, timeout=10, what="two cycles")
    assert neon.project(hooli["id"])["settings"]["quota"]["logical_size_bytes"] == 512 * 1024**2
    (notified,) = wait_for(
        lambda: receiver.bodies("invalid_revision"), timeout=10, what="the notification"
    )
    assert notified["revision"] == broken
    assert "tenants/wayne.yaml:2:" in notified["text"]
    assert notified["errors"][0]["path"] == "tenants/wayne.yaml"

    # The next good commit recovers everything: applied, ready, valid, and said so once.
    (repo.work / "tenants" / "wayne.yaml").write_text("plan: pro\n")
    fixed = repo.commit("wayne's file is fixed")
    wait_for(lambda: in_force(controller, fixed), timeout=APPLIED_WITHIN, what="the fix")
    assert neon.project(hooli["id"])["settings"]["quota"]["logical_size_bytes"] == 10 * GiB
    wait_for(lambda: controller.get("/readyz").status_code == 200, timeout=5, what="ready")
    assert sample(controller, "tenantctl_revision_valid") == 1
    assert valid_status(controller)["invalid_revision"] is None
    wait_for(lambda: receiver.bodies("revision_recovered"), timeout=10, what="the recovery")
    assert len(receiver.bodies("invalid_revision")) == 1
    neon.http.close()
