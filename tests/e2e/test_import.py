"""`tenantctl import`: many existing projects under management at once, never a create."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.e2e.conftest import NeonApi


def test_importing_20_unmanaged_projects_then_plan_updates_and_never_creates(
    cli: Any, neon: NeonApi, fleet_dir: Path
) -> None:
    assert cli("apply", "--yes").code == 0
    created = [neon.create_project(f"Customer {n:02d} DB") for n in range(20)]
    neon.create_project("internal-tools")  # does not match --match: left alone
    taken = "plan: free\nstate: deleted\n"  # its id is taken; it wants no project
    (fleet_dir / "tenants" / "customer-00-db.yaml").write_text(taken)

    dry = cli("import", "--plan", "pro", "--match", "Customer *", "--dry-run")
    assert dry.code == 0, dry.err
    assert dry.out.count("would write tenants/") == 20
    assert "20 projects to import; 1 other unmanaged project(s) did not match" in dry.out
    assert not (fleet_dir / "adopted.yaml").exists()
    assert not (fleet_dir / "tenants" / "customer-01-db.yaml").exists()

    imported = cli("import", "--plan", "pro", "--match", "Customer *")
    assert imported.code == 0, imported.err
    first = created[0]
    assert (
        f"wrote tenants/customer-00-db-2.yaml: project {first['id']} 'Customer 00 DB' "
        "(aws-us-east-2, Postgres 17), plan pro" in imported.out
    )
    assert (fleet_dir / "tenants" / "customer-00-db.yaml").read_text() == taken
    text = (fleet_dir / "tenants" / "customer-07-db.yaml").read_text()
    fields = f"plan: pro\nregion: aws-us-east-2\npg_version: 17\nproject_id: {created[7]['id']}\n"
    assert text.endswith(fields)
    ledger = (fleet_dir / "adopted.yaml").read_text()
    assert all(f": {p['id']}\n" in ledger for p in created)

    assert cli("validate").code == 0
    plan = cli("plan")
    assert plan.code == 0, plan.out
    assert "Plan: 0 to create, 20 to update, 0 to suspend" in plan.out
    assert plan.out.count("~ update customer-") == 20
    assert cli("import", "--plan", "pro", "--match", "Customer *").out.startswith("0 projects")


def test_import_needs_a_known_plan(cli: Any, neon: NeonApi) -> None:
    unknown = cli("import", "--plan", "platinum")
    assert unknown.code == 1
    assert "--plan platinum: no such plan in plans/" in unknown.err
    missing = cli("import")
    assert missing.code == 1
    assert "--plan is needed" in missing.err
