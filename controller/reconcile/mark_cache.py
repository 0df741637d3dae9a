"""Ownership marks read before, kept between runs on the same machine.

A mark lives in the annotations of a project's root branch, which Neon never lets anyone change
after creation, so a mark once read stays true for the life of the project. Keeping them means
the projects no tenant claims (other teams' projects, orphans) cost one branch read per
machine, not one per plan. The executor still reads a mark live before the first mutation of
a project in a run: the cache only saves reads for planning.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from controller.localfiles import read_regular_file, write_atomically
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
        try:
            self._path.parent.mkdir(parents=True, exist_ok=True)
            write_atomically(self._path, text)  # 0600, like every file in .tenantctl/
            self._dirty = False
        except OSError as error:
            _log.warning("mark_cache_not_saved", path=str(self._path), error=str(error))

    def _load(self) -> dict[str, OwnershipMark | None]:
        assert self._path is not None
        try:
            data = json.loads(read_regular_file(self._path, MAX_BYTES))
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
