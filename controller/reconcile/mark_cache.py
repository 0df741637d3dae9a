"""Ownership marks read before, kept between runs on the same machine, under a tag.

A mark lives in the annotations of a project's root branch, which Neon never lets anyone change
after creation, so a mark once read stays true for the life of the project. Keeping them means
a plan costs no branch read per project, and an update no read of the mark before it changes
the project.

What makes a cached mark as good as one read live is the file's HMAC tag, keyed (like saved
plans) from the API key, host and org: only a holder of the API key, who read the marks from
Neon, can write a file the next run accepts. A file edited by hand, restored from a CI cache
another branch wrote, or written for another key is ignored whole, and costs reads again.
Creates still never rely on the cache (see `reconcile.planner`): a "no mark" is read again.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable
from pathlib import Path

from controller.localfiles import read_regular_file, write_atomically
from controller.logs import get_logger
from controller.reconcile.observed import OwnershipMark

FORMAT = 2
MAX_BYTES = 16 * 1024 * 1024
_KEY_CONTEXT = b"tenantctl mark cache v2"
_log = get_logger("mark_cache")


def mark_cache_key(target_key: bytes) -> bytes:
    """The cache's own key, derived from the target's signing key (`plan_file.signing_key`)."""
    return hmac.new(target_key, _KEY_CONTEXT, hashlib.sha256).digest()


class MarkCache:
    """A JSON file of project id -> mark (or none); unreadable files are ignored, never fatal.

    With a `key`, the file is written with a tag and read only when the tag matches: every
    mark it holds was then read from Neon by a holder of the key (`vouched`). Without one (no
    API key to derive it from), marks only save reads for planning.
    """

    def __init__(self, path: Path | None, *, key: bytes | None = None) -> None:
        self._path = path
        self._key = key
        self._marks: dict[str, OwnershipMark | None] = self._load() if path else {}
        self._dirty = False

    def known(self, project_ids: Iterable[str]) -> dict[str, OwnershipMark | None]:
        """The cached marks of these projects (those never read are absent)."""
        return {pid: self._marks[pid] for pid in project_ids if pid in self._marks}

    def vouched(self, project_id: str) -> tuple[bool, OwnershipMark | None]:
        """(True, mark) when the cache vouches for this project's mark: it holds it and its
        tag proves it was read from Neon (see the module docstring); else (False, None)."""
        if self._key is None or project_id not in self._marks:
            return False, None
        return True, self._marks[project_id]

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
        document: dict[str, object] = {"format": FORMAT, "marks": marks}
        if self._key is not None:
            document["tag"] = _tag(marks, self._key)
        text = json.dumps(document, indent=1) + "\n"
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
            tag = data.get("tag")
            if self._key is not None and not (
                isinstance(tag, str) and hmac.compare_digest(tag, _tag(data["marks"], self._key))
            ):
                raise ValueError("its tag does not match (edited, or written with another API key)")
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


def _tag(marks: object, key: bytes) -> str:
    canonical = json.dumps(marks, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hmac.new(key, canonical.encode("ascii"), hashlib.sha256).hexdigest()
