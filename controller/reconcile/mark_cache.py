"""Ownership marks read before, kept between runs on the same machine.

A mark lives in the annotations of a project's root branch, which Neon never lets anyone change
after creation, so a mark once read stays true for the life of the project. Keeping them means
the projects no tenant claims (other teams' projects, orphans) cost one branch read per
machine, not one per plan. The executor still reads a mark live before the first mutation of
a project in a run: the cache only saves reads for planning.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterable
from pathlib import Path

from controller.logs import get_logger
from controller.reconcile.observed import OwnershipMark

FORMAT = 1
MAX_BYTES = 16 * 1024 * 1024
_log = get_logger("mark_cache")


class MarkCache:
    """A JSON file of project id -> mark (or none); unreadable files are ignored, never fatal."""

    def __init__(self, path: Path | None) -> None:
        self._path = path
        self._marks: dict[str, OwnershipMark | None] = self._load() if path else {}
        self._dirty = False

    def known(self, project_ids: Iterable[str]) -> dict[str, OwnershipMark | None]:
        """The cached marks of these projects (those never read are absent)."""
        return {pid: self._marks[pid] for pid in project_ids if pid in self._marks}

    def remember(self, marks: dict[str, OwnershipMark | None]) -> None:
        new = {pid: mark for pid, mark in marks.items() if self._marks.get(pid, ...) != mark}
        if new:
            self._marks.update(new)
            self._dirty = True

    def forget_all_but(self, project_ids: Iterable[str]) -> None:
        """Drop projects that no longer exist, so the file does not grow forever."""
        keep = set(project_ids)
        gone = [pid for pid in self._marks if pid not in keep]
        for pid in gone:
            del self._marks[pid]
        self._dirty |= bool(gone)

    def save(self) -> None:
        """Write the file atomically if anything changed; a failure is only a warning."""
        if self._path is None or not self._dirty:
            return
        marks = {
            pid: None if mark is None else {"fleet": mark.fleet, "tenant": mark.tenant_id}
            for pid, mark in sorted(self._marks.items())
        }
        text = json.dumps({"format": FORMAT, "marks": marks}, indent=1) + "\n"
        temporary = self._path.with_name(self._path.name + ".tmp")
        try:
            self._path.parent.mkdir(parents=True, exist_ok=True)
            temporary.write_text(text, encoding="utf-8")
            os.replace(temporary, self._path)
            self._dirty = False
        except OSError as error:
            _log.warning("mark_cache_not_saved", path=str(self._path), error=str(error))

    def _load(self) -> dict[str, OwnershipMark | None]:
        assert self._path is not None
        try:
            data = json.loads(_read_regular_file(self._path))
            if data.get("format") != FORMAT:
                raise ValueError(f"format {data.get('format')!r}")
            return {
                str(pid): None
                if entry is None
                else OwnershipMark(fleet=str(entry["fleet"]), tenant_id=str(entry["tenant"]))
                for pid, entry in data["marks"].items()
            }
        except FileNotFoundError:
            return {}
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
            _log.warning("mark_cache_ignored", path=str(self._path), error=str(error))
            return {}


def _read_regular_file(path: Path) -> str:
    """Read a small regular file without following a symlink or blocking on a FIFO."""
    descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    with os.fdopen(descriptor, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_BYTES:
            raise ValueError("not a regular file of a sane size")
        return handle.read().decode("utf-8")
