"""`plan --changed-since REF` on a pull request: what changed in git is planned in full, the rest
of the fleet only against the project list, and list-level drift of any tenant still shows."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from tests.e2e.conftest import NeonApi
from tests.e2e.test_converge import _calls
from tests.support.emulator_process import EmulatorProcess

GiB = 1024**3


def commit_all(repo: Path) -> None:
    for args in (("init", "-q"), ("add", "-A"), ("commit", "-qm", "fleet")):
        subprocess.run(
            ["git", "-C", str(repo), "-c", "user.email=t@example.com", "-c", "user.name=t", *args],
            check=True,
            capture_output=True,
        )


def test_a_pull_request_plan_costs_what_changed_and_still_shows_list_level_drift(
    cli: Any, neon: NeonApi, neon_env: EmulatorProcess, fleet_dir: Path
) -> None:
    assert cli("apply", "--yes").code == 0
    commit_all(fleet_dir)
    acme = fleet_dir / "tenants" / "acme.yaml"
    acme.write_text(acme.read_text() + "overrides:\n  limits:\n    storage: 30GiB\n")

    before = _calls(neon_env)
    plan = cli("plan", "--changed-since", "HEAD")
    calls = {route: n - before.get(route, 0) for route, n in _calls(neon_env).items()}
    assert plan.code == 0, plan.err
    lines = plan.out.splitlines()
    assert lines[1].startswith("6 tenants checked only at list level")
    assert "    ~ limits.storage: 10GiB -> 30GiB  (tenant)" in lines
    assert plan.out.count("~ update") == 1
    list_pages = calls.pop("GET /projects")
    assert list_pages == 1
    assert sum(calls.values()) <= 3, calls  # its computes, its mark, its usage at most

    # Drift the project list shows (a quota) is planned; drift only computes show is not.
    globex = neon.project_named("globex")
    neon.patch_project(globex["id"], settings={"quota": {"logical_size_bytes": GiB}})
    wayne = neon.project_named("wayne")
    (endpoint,) = neon.endpoints(wayne["id"])
    neon.patch_endpoint(wayne["id"], endpoint["id"], autoscaling_limit_max_cu=2)
    partial = cli("plan", "--changed-since", "HEAD").out
    assert "~ update globex" in partial
    assert "~ update wayne" not in partial
    assert "5 tenants checked only at list level" in partial
    full = cli("plan").out
    assert "~ update wayne" in full
    assert "checked only at list level" not in full


def test_the_pull_request_comment_shows_each_tenant_s_plan_move(cli: Any, fleet_dir: Path) -> None:
    assert cli("apply", "--yes").code == 0
    commit_all(fleet_dir)
    acme = fleet_dir / "tenants" / "acme.yaml"
    acme.write_text(acme.read_text().replace("plan: pro", "plan: enterprise"))

    comment = cli("plan", "--changed-since", "HEAD", "--format", "markdown").out
    assert "| `acme` | `~` update (plan `pro` -> `enterprise`) |" in comment
    assert "Pricing plan: `pro` -> **`enterprise`** (moved in this change)" in comment
    text = cli("plan", "--changed-since", "HEAD").out
    assert "[plan pro -> enterprise]" in text
    (action,) = json.loads(cli("plan", "--changed-since", "HEAD", "--format", "json").out)[
        "actions"
    ]
    assert (action["tenant"], action["previous_plan"], action["plan"]) == (
        "acme",
        "pro",
        "enterprise",
    )
    # Without a base revision there is nothing to compare with: the plan is shown alone.
    assert "| `acme` | `~` update (plan `enterprise`) |" in cli("plan", "--format", "markdown").out


def test_an_unknown_revision_exits_1_naming_it(cli: Any, fleet_dir: Path) -> None:
    commit_all(fleet_dir)
    result = cli("plan", "--changed-since", "origin/nowhere", "--emulator")
    assert result.code == 1
    assert "--changed-since origin/nowhere: git does not know this revision" in result.err
