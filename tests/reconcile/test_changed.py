"""`plan --changed-since REF`: which tenants a git change selects, on a real repository."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from controller.reconcile.changed import (
    ChangedSinceError,
    changed_files,
    changed_since,
    previous_plans,
)
from controller.spec import load_fleet
from controller.spec.model import DesiredFleet

REPO = Path(__file__).resolve().parents[2]
TENANTS = {"a": "free", "b": "pro", "c": "pro", "d": "free", "e": "enterprise"}


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo), "-c", "user.email=t@example.com", "-c", "user.name=t", *args],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository whose `fleet/` folder holds a fleet, committed (HEAD)."""
    fleet = tmp_path / "fleet"
    shutil.copytree(REPO / "plans", fleet / "plans")
    (fleet / "tenants").mkdir()
    (fleet / "tenantctl.yaml").write_text("fleet: test\n")
    for tenant_id, plan in TENANTS.items():
        (fleet / "tenants" / f"{tenant_id}.yaml").write_text(f"plan: {plan}\n# {tenant_id}\n")
    (tmp_path / "README.md").write_text("outside the fleet\n")
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "fleet")
    return fleet


def fleet_of(fleet_dir: Path) -> DesiredFleet:
    loaded = load_fleet(fleet_dir)
    assert loaded.fleet is not None, loaded.errors
    return loaded.fleet


def test_changed_added_removed_and_renamed_tenant_files_are_selected(repo: Path) -> None:
    (repo / "tenants" / "a.yaml").write_text("plan: pro\n")  # changed, not committed
    (repo / "tenants" / "new.yaml").write_text("plan: free\n")  # untracked
    (repo / "tenants" / "d.yaml").unlink()  # removed: its project is an orphan now
    git(repo, "mv", "tenants/c.yaml", "tenants/renamed.yaml")
    (repo.parent / "README.md").write_text("changed outside the fleet\n")
    (repo / "tenants" / "notes.txt").write_text("not a tenant\n")

    statuses = {(c.status, c.path, c.old_path) for c in changed_files(repo, "HEAD")}
    assert ("R", "tenants/renamed.yaml", "tenants/c.yaml") in statuses
    assert changed_since(repo, "HEAD", fleet_of(repo)) == {"a", "new", "d", "c", "renamed"}


def test_committed_changes_count_from_the_revision_given(repo: Path) -> None:
    (repo / "tenants" / "b.yaml").write_text("plan: free\n")
    git(repo, "commit", "-qam", "downgrade b")
    assert changed_since(repo, "HEAD~1", fleet_of(repo)) == {"b"}
    assert changed_since(repo, "HEAD", fleet_of(repo)) == frozenset()


def test_a_changed_plan_file_selects_every_tenant_on_it(repo: Path) -> None:
    pro = repo / "plans" / "pro.yaml"
    pro.write_text(pro.read_text().replace("max_cu: 4", "max_cu: 6"))
    assert changed_since(repo, "HEAD", fleet_of(repo)) == {"b", "c"}


def test_a_changed_fleet_settings_file_selects_everything(repo: Path) -> None:
    (repo / "tenantctl.yaml").write_text("fleet: test\nproject_name_prefix: saas-\n")
    assert changed_since(repo, "HEAD", fleet_of(repo)) is None


def test_a_revision_git_does_not_know_is_a_clear_error(repo: Path) -> None:
    with pytest.raises(ChangedSinceError) as raised:
        changed_since(repo, "no-such-branch", fleet_of(repo))
    assert str(raised.value).startswith(
        "--changed-since no-such-branch: git does not know this revision"
    )
    with pytest.raises(ChangedSinceError, match="--changed-since --output=x: git does not know"):
        changed_since(repo, "--output=x", fleet_of(repo))  # never read as an option


def test_outside_a_git_repository_the_flag_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))  # even if /tmp is in a repo
    fleet = tmp_path / "fleet"
    shutil.copytree(REPO / "plans", fleet / "plans")
    with pytest.raises(ChangedSinceError) as raised:
        changed_files(fleet, "HEAD")
    assert str(raised.value).startswith(
        f"--changed-since needs a git repository: {fleet} is not inside a git working tree"
    )


def moves(repo: Path, ref: str = "HEAD") -> dict[str, str]:
    return previous_plans(repo, ref, changed_files(repo, ref), fleet_of(repo))


def test_previous_plans_are_the_plans_changed_tenant_files_named_at_the_revision(
    repo: Path,
) -> None:
    (repo / "tenants" / "a.yaml").write_text("plan: pro\n")  # free -> pro
    (repo / "tenants" / "b.yaml").write_text("plan: pro\n# only a comment changed\n")
    (repo / "tenants" / "new.yaml").write_text("plan: pro\n")  # new: no previous plan
    git(repo, "mv", "tenants/c.yaml", "tenants/renamed.yaml")  # another tenant id now
    assert moves(repo) == {"a": "free"}


def test_previous_plans_follow_committed_moves_and_a_suffix_rename(repo: Path) -> None:
    (repo / "tenants" / "e.yaml").write_text("plan: pro\n")
    git(repo, "commit", "-qam", "downgrade e")
    git(repo, "mv", "tenants/d.yaml", "tenants/d.yml")
    (repo / "tenants" / "d.yml").write_text("plan: pro\n# d, renamed\n")
    assert moves(repo, "HEAD~1") == {"e": "enterprise", "d": "free"}
    assert moves(repo, "HEAD") == {"d": "free"}


def test_an_old_file_that_is_not_a_tenant_document_shows_no_move(repo: Path) -> None:
    (repo / "tenants" / "a.yaml").write_text("plan: [free\n")  # broken YAML at the base
    (repo / "tenants" / "b.yaml").write_bytes(b"plan: \xff\n")  # not UTF-8 at the base
    (repo / "tenants" / "c.yaml").write_text("- plan: free\n")  # not a mapping
    git(repo, "commit", "-qam", "broken files")
    for tenant_id in "abc":
        (repo / "tenants" / f"{tenant_id}.yaml").write_text("plan: enterprise\n")
    assert moves(repo) == {}
