"""The mark cache keeps what was read, survives bad files, and never grows without bound."""

from __future__ import annotations

import json
import os
from pathlib import Path

from controller.reconcile.mark_cache import MarkCache, mark_cache_key
from controller.reconcile.observed import OwnershipMark

MARK = OwnershipMark(fleet="example", tenant_id="acme")


def test_marks_survive_a_new_process_and_gone_projects_are_dropped(tmp_path: Path) -> None:
    path = tmp_path / "marks.json"
    cache = MarkCache(path)
    cache.remember({"p-1": MARK, "p-2": None})
    cache.save()
    again = MarkCache(path)
    assert again.known(["p-1", "p-2", "p-3"]) == {"p-1": MARK, "p-2": None}
    again.forget_all_but(["p-2"])
    again.save()
    assert MarkCache(path).known(["p-1", "p-2"]) == {"p-2": None}


def test_damaged_or_hostile_cache_files_are_ignored(tmp_path: Path) -> None:
    cases = {
        "not-json.json": lambda p: p.write_text("{"),
        "other-format.json": lambda p: p.write_text('{"format": 9, "marks": {}}'),
        "wrong-shape.json": lambda p: p.write_text('{"format": 2, "marks": {"p": {"x": 1}}}'),
        "symlink.json": lambda p: p.symlink_to("/dev/zero"),
        "fifo.json": lambda p: os.mkfifo(p),
        "directory.json": lambda p: p.mkdir(),
    }
    for name, make in cases.items():
        path = tmp_path / name
        make(path)
        assert MarkCache(path).known(["p"]) == {}, name


def test_an_unwritable_cache_is_not_an_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    cache = MarkCache(blocker / "marks.json")  # its folder is a file
    cache.remember({"p-1": MARK})
    cache.save()
    assert not (blocker / "marks.json").exists()


KEY = mark_cache_key(b"k" * 32)


def test_a_tagged_cache_vouches_for_its_marks_and_an_untagged_one_never_does(
    tmp_path: Path,
) -> None:
    path = tmp_path / "marks.json"
    cache = MarkCache(path, key=KEY)
    cache.remember({"p-1": MARK, "p-2": None})
    cache.save()
    again = MarkCache(path, key=KEY)
    assert (again.vouched("p-1"), again.vouched("p-2"), again.vouched("p-3")) == (
        (True, MARK),
        (True, None),
        (False, None),
    )
    untagged = MarkCache(path)  # no key: marks save planning reads, never vouch for a change
    assert untagged.known(["p-1"]) == {"p-1": MARK}
    assert untagged.vouched("p-1") == (False, None)


def test_an_edited_cache_or_one_written_with_another_key_is_ignored_whole(tmp_path: Path) -> None:
    path = tmp_path / "marks.json"
    cache = MarkCache(path, key=KEY)
    cache.remember({"p-1": MARK, "p-2": None})
    cache.save()
    assert MarkCache(path, key=mark_cache_key(b"another API key")).known(["p-1", "p-2"]) == {}
    data = json.loads(path.read_text())
    data["marks"]["p-2"] = {"fleet": "example", "tenant": "acme"}  # a poisoned CI cache
    path.write_text(json.dumps(data))
    assert MarkCache(path, key=KEY).known(["p-1", "p-2"]) == {}
    del data["tag"]
    path.write_text(json.dumps(data))
    assert MarkCache(path, key=KEY).known(["p-1", "p-2"]) == {}
