"""A small JSON file several processes on one machine read and rewrite under an exclusive lock.

Why this exists: two tenantctl processes using one API key (a plan on a pull request while an
apply runs) must take their requests from the same rate buckets, or together they exceed Neon's
account budget and meet 429s. The shared limiter keeps its bucket state here: each reservation
locks the file (fcntl.flock), reads the state, updates it and writes it back before unlocking.
The file is created 0600 (it holds timestamps only, never the key: its name is a digest), is
never followed through a symlink, and a file that cannot be read as this state counts as empty:
the worst a damaged file can do is forget the buckets once.
"""

from __future__ import annotations

import fcntl
import json
import os
import stat
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

MAX_STATE_BYTES = 256 * 1024  # a state file larger than this is not ours: treated as empty
FILE_MODE = 0o600
DIRECTORY_MODE = 0o700
STATE_VERSION = 1


class SharedStateFile:
    """One lock-protected JSON object in `directory/name`, opened on first use."""

    def __init__(self, directory: Path, name: str) -> None:
        self.path = directory / name
        self._fd: int | None = None

    @contextmanager
    def exclusive(self) -> Iterator[dict[str, Any]]:
        """Lock the file, yield its state (a dict, {} if none), and write the dict back."""
        fd = self._descriptor()
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            state = _read(fd)
            yield state
            _write(fd, state)
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)

    def _descriptor(self) -> int:
        if self._fd is None:
            self.path.parent.mkdir(mode=DIRECTORY_MODE, parents=True, exist_ok=True)
            flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
            fd = os.open(self.path, flags, FILE_MODE)
            if stat.S_IMODE(os.fstat(fd).st_mode) != FILE_MODE:
                os.fchmod(fd, FILE_MODE)
            self._fd = fd
            weakref.finalize(self, os.close, fd)
        return self._fd


def _read(fd: int) -> dict[str, Any]:
    size = os.fstat(fd).st_size
    if size == 0 or size > MAX_STATE_BYTES:
        return {}
    try:
        state = json.loads(os.pread(fd, size, 0))
    except ValueError:
        return {}
    if not isinstance(state, dict) or state.get("version") != STATE_VERSION:
        return {}
    return state


def _write(fd: int, state: dict[str, Any]) -> None:
    data = json.dumps({**state, "version": STATE_VERSION}, separators=(",", ":")).encode()
    os.pwrite(fd, data, 0)
    os.ftruncate(fd, len(data))
