"""The mark cache keeps what was read, survives bad files, and never grows without bound."""

from __future__ import annotations

import os
from pathlib import Path

from controller.reconcile.mark_cache import MarkCache
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
        "wrong-shape.json": lambda p: p.write_text('{"format": 1, "marks": {"p": {"x": 1}}}'),
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
