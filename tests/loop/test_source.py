"""Sources: a directory's revision follows its files; a git branch is cloned once and fetched
with the real git command; credentials in a URL never reach a message."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from controller.loop.source import DirSource, GitSource, SourceError, redact_url, scrub
from tests.e2e.conftest import REPO
from tests.support.git_repo import FleetRepo


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://x-token:ghp_secret@github.com/o/r.git", "https://github.com/o/r.git"),
        ("https://ghp_secret@github.com/o/r.git?token=abc#x", "https://github.com/o/r.git"),
        ("ssh://git@example.com:2222/o/r.git", "ssh://example.com:2222/o/r.git"),
        ("git@github.com:o/r.git", "git@github.com:o/r.git"),
        ("file:///srv/git/fleet.git", "file:///srv/git/fleet.git"),
    ],
)
def test_a_url_is_shown_without_credentials(url: str, shown: str) -> None:
    assert redact_url(url) == shown


def test_git_messages_are_scrubbed_of_the_url_and_any_userinfo() -> None:
    url = "https://bot:s3cret@git.example/o/r.git"
    text = f"fatal: unable to access '{url}/': 403\nsee https://other:pw@host/x"
    assert scrub(text, url) == (
        "fatal: unable to access 'https://git.example/o/r.git/': 403\nsee https://***@host/x"
    )


def test_a_directory_revision_changes_with_its_files(tmp_path: Path) -> None:
    for name in ("plans", "tenants"):
        (tmp_path / name).mkdir()
    (tmp_path / "tenants" / "a.yaml").write_text("plan: free\n")
    source = DirSource(tmp_path)
    first = asyncio.run(source.fetch())
    assert asyncio.run(source.fetch()) == first
    (tmp_path / "tenants" / "a.yaml").write_text("plan: pro\n")
    assert asyncio.run(source.fetch()).id != first.id
    assert first.id.startswith("dir:")


def test_a_git_branch_is_cloned_then_fetched_at_each_new_commit(tmp_path: Path) -> None:
    repo = FleetRepo.create(tmp_path, _fleet(tmp_path))
    source = GitSource(repo.url, branch="main", path="", workdir=tmp_path / "clone")
    first = asyncio.run(source.fetch())
    assert first.id == repo.head()
    assert (Path(first.fleet_dir) / "tenants" / "acme.yaml").is_file()
    (repo.work / "tenants" / "acme.yaml").unlink()
    second = repo.commit("acme leaves")
    fetched = asyncio.run(source.fetch())
    assert fetched.id == second
    assert not (Path(fetched.fleet_dir) / "tenants" / "acme.yaml").exists()
    assert source.describe()["url"] == repo.url


def test_an_unreachable_repository_is_a_source_error_without_its_password(
    tmp_path: Path,
) -> None:
    url = "https://bot:s3cret@127.0.0.1:9/fleet.git"  # nothing listens on the discard port
    source = GitSource(url, branch="main", path="", workdir=tmp_path / "clone", timeout=30)
    with pytest.raises(SourceError) as raised:
        asyncio.run(source.fetch())
    assert str(raised.value).startswith("git clone failed: ")
    assert "s3cret" not in str(raised.value)
    assert not (tmp_path / "clone").exists()  # no half clone left behind


def test_a_path_outside_the_repository_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="give a directory inside the repository"):
        GitSource("file:///r.git", branch="main", path="../etc", workdir=tmp_path)


def _fleet(tmp_path: Path) -> Path:
    fleet = tmp_path / "fleet"
    for name in ("plans", "tenants"):
        (fleet / name).mkdir(parents=True)
        for item in (REPO / name).glob("*.yaml"):
            (fleet / name / item.name).write_text(item.read_text())
    (fleet / "tenantctl.yaml").write_text((REPO / "tenantctl.yaml").read_text())
    return fleet
