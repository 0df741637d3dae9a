"""The files tenantctl keeps on the local disk: written atomically and privately, read within
bounds, named by one-way digests.

Why this exists: `.tenantctl/` holds caches (marks, usage readings), the limiter's shared state,
locks and signing keys, and commands write plan and report files. Each must survive a crash
(the old file or the new one, never half), stay private to the user (0600), never follow a
symlink planted in its place or block on a FIFO, and never name an account by its API key.
One module does it for all of them and imports nothing, so every layer can use it.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
import tempfile
from pathlib import Path

PRIVATE = 0o600


class LocalFileError(OSError):
    """A local file that cannot be used: not a regular file, too large, or unreadable.

    `reason` says which, without the path (for logs that name the path already)."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.reason = reason


def write_atomically(path: Path, text: str, *, mode: int = PRIVATE) -> None:
    """Write `text` so that a crash leaves the old file or the new one, never half of either.

    The file gets `mode` (private by default) before any byte is written. Raises OSError.
    """
    descriptor, temporary = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"
    )
    try:
        os.fchmod(descriptor, mode)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def read_regular_file(path: Path, max_bytes: int) -> str:
    """A small regular file's text, without following a symlink or blocking on a FIFO.

    Raises FileNotFoundError when it is absent, LocalFileError when it cannot be used.
    """
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        descriptor = os.open(path, flags)
    except FileNotFoundError:
        raise
    except OSError as error:
        if error.errno == errno.ELOOP:  # O_NOFOLLOW met a symlink
            raise LocalFileError(path, f"not a regular file of at most {max_bytes} bytes") from None
        raise LocalFileError(path, f"unreadable: {error.strerror or error}") from None
    try:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            raise LocalFileError(path, f"not a regular file of at most {max_bytes} bytes")
        data = _read_at_most(descriptor, max_bytes + 1)
    finally:
        os.close(descriptor)
    if len(data) > max_bytes:
        raise LocalFileError(path, f"not a regular file of at most {max_bytes} bytes")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise LocalFileError(path, f"unreadable: not UTF-8 ({error.reason})") from None


def _read_at_most(descriptor: int, limit: int) -> bytes:
    chunks, size = [], 0
    while size < limit:
        chunk = os.read(descriptor, min(1 << 20, limit - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def digest(*parts: str, length: int = 16) -> str:
    """A short one-way digest of `parts` (an account's host, org and key): names files and
    plans by account without ever storing the key."""
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()[:length]
