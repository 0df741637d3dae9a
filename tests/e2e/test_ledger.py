"""The adoption ledger (adopted.yaml): an adopted project outlives its tenant file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from controller.spec.ledger import HEADER
from tests.e2e.conftest import NeonApi


def test_an_adopted_tenant_whose_file_is_removed_is_suspended_never_forgotten(
    cli: Any, neon: NeonApi, fleet_dir: Path
) -> None:
    legacy = neon.create_project("legacy-acme-db")
    assert cli("adopt", "acme", "--project-id", legacy["id"]).code == 0
    ledger = (fleet_dir / "adopted.yaml").read_text()
    assert ledger == f"{HEADER}acme: {legacy['id']}\n"
    assert cli("apply", "--yes", "--target", "acme").code == 0

    (fleet_dir / "tenants" / "acme.yaml").unlink()
    assert cli("validate").code == 0
    plan = cli("plan")
    assert f"|| suspend acme  project {legacy['id']} 'legacy-acme-db'" in plan.out, plan.out
    assert "orphaned: its tenant file is gone (adopted, recorded in adopted.yaml)" in plan.out
    assert "not managed by this fleet" not in plan.out  # it is not called unmanaged
    applied = cli("apply", "--yes")
    assert applied.code == 0, applied.out + applied.err
    assert [e["disabled"] for e in neon.endpoints(legacy["id"])] == [True]
    assert legacy["id"] in [p["id"] for p in neon.projects()]  # kept, never deleted
    again = cli("plan", "--detailed-exitcode")
    assert again.code == 0, again.out
    assert f"orphaned: project {legacy['id']} ('legacy-acme-db') belonged to tenant 'acme'" in (
        again.out
    )


def test_releasing_a_project_makes_it_unmanaged_and_untouched(
    cli: Any, neon: NeonApi, fleet_dir: Path
) -> None:
    legacy = neon.create_project("legacy-acme-db")
    assert cli("adopt", "acme", "--project-id", legacy["id"]).code == 0
    (fleet_dir / "tenants" / "acme.yaml").unlink()
    (fleet_dir / "adopted.yaml").write_text(HEADER)  # its line deleted: released
    plan = cli("plan", "--target", "globex")
    assert legacy["id"] not in plan.out
    assert "1 project(s) in the org are not managed by this fleet" in cli("plan").out


def test_adopt_records_a_binding_made_by_hand(cli: Any, neon: NeonApi, fleet_dir: Path) -> None:
    legacy = neon.create_project("legacy-acme-db")
    path = fleet_dir / "tenants" / "acme.yaml"
    path.write_text(path.read_text() + f"project_id: {legacy['id']}\n")
    warned = cli("validate")
    assert warned.code == 0
    assert (
        f"tenants/acme.yaml:6:13: project_id: project {legacy['id']} is not recorded in "
        "adopted.yaml" in warned.err
    )
    recorded = cli("adopt", "acme", "--project-id", legacy["id"])
    assert recorded.code == 0, recorded.err
    assert recorded.out == f"adopted.yaml: acme: {legacy['id']} recorded.\n"
    assert "not recorded" not in cli("validate").err
