"""The adoption ledger (adopted.yaml): its format, its errors, and its agreement with tenants."""

from __future__ import annotations

import shutil
from pathlib import Path

from controller.spec import load_fleet
from controller.spec.ledger import HEADER, parse_ledger, render_ledger

REPO = Path(__file__).resolve().parents[2]


def fleet(tmp_path: Path, ledger: str, **tenants: str) -> Path:
    root = tmp_path / "fleet"
    shutil.copytree(REPO / "plans", root / "plans")
    (root / "tenants").mkdir()
    for name, text in tenants.items():
        (root / "tenants" / f"{name}.yaml").write_text(text)
    (root / "adopted.yaml").write_text(ledger)
    return root


def test_render_sorts_quotes_what_would_not_read_as_text_and_round_trips() -> None:
    text = render_ledger({"zeta": "cold-bonus-1", "acme": "12345", "beta": "null"})
    assert text == f'{HEADER}acme: "12345"\nbeta: "null"\nzeta: cold-bonus-1\n'
    entries, issues = parse_ledger(text)
    assert issues == []
    assert {t: e.project_id for t, e in entries.items()} == {
        "acme": "12345", "beta": "null", "zeta": "cold-bonus-1",
    }  # fmt: skip


def test_a_header_alone_is_an_empty_ledger() -> None:
    assert parse_ledger(HEADER) == ({}, [])


def test_bad_entries_are_reported_with_their_position() -> None:
    entries, issues = parse_ledger("acme: Not_An_Id\nBad_Tenant: p-1\nglobex: 42\nhooli: p-1\n")
    assert entries.keys() == {"hooli"}
    assert [str(i) for i in issues] == [
        "adopted.yaml:1:7: acme: 'Not_An_Id' is not a Neon project id: lowercase letters, "
        "digits and hyphens, 1 to 60 characters",
        "adopted.yaml:2:1: tenant id 'Bad_Tenant' is not valid: use lowercase letters, digits "
        "and hyphens, 1 to 63 characters, starting with a letter",
        "adopted.yaml:3:9: globex: expected a Neon project id, found the integer 42",
    ]
    _, twice = parse_ledger("acme: p-1\nglobex: p-1\n")
    assert [str(i) for i in twice] == [
        "adopted.yaml:2:9: globex: project p-1 is already recorded for tenant 'acme'; a "
        "project belongs to one tenant"
    ]


def test_a_removed_tenant_stays_in_the_fleet_through_the_ledger(tmp_path: Path) -> None:
    result = load_fleet(fleet(tmp_path, "gone: p-1\n", acme="plan: pro\nproject_id: p-2\n"))
    assert result.fleet is not None
    assert dict(result.fleet.adopted) == {"gone": "p-1"}
    assert [str(w) for w in result.warnings] == [
        "tenants/acme.yaml:2:13: project_id: project p-2 is not recorded in adopted.yaml, so "
        "tenantctl would forget it (not suspend it) if this file were removed; record it with "
        "`tenantctl adopt acme --project-id p-2`"
    ]


def test_the_ledger_and_the_tenant_files_must_agree(tmp_path: Path) -> None:
    result = load_fleet(
        fleet(
            tmp_path,
            "acme: p-1\nglobex: p-2\nhooli: p-3\n",
            acme="plan: pro\n",
            globex="plan: pro\nproject_id: p-9\n",
            initech="plan: pro\nproject_id: p-3\n",
        )
    )
    assert result.fleet is None
    assert [str(e) for e in result.errors] == [
        "adopted.yaml:1:7: acme: project p-1 is recorded as adopted, but tenants/acme.yaml has "
        "no project_id; put `project_id: p-1` back in it, or remove this line to release "
        "project p-1",
        "adopted.yaml:2:9: globex: project p-2 is recorded as adopted, but tenants/globex.yaml "
        "binds project p-9; make them agree (tenantctl adopt writes both), or remove this line "
        "to release project p-2",
        "adopted.yaml:3:8: hooli: project p-3 is recorded for this tenant but bound to tenant "
        "'initech' by tenants/initech.yaml",
    ]
