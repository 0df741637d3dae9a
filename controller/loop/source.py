"""Where the desired state comes from each cycle: a fleet directory, or a git repository.

Why this exists: like Flux's source controller, fetching is separate from reconciling. A source
produces a revision (an id and a directory holding the fleet files at that revision) and
nothing else; the cycle validates and plans it.

- `DirSource`: a directory re-read every cycle; its revision is a digest of the fleet files.
- `GitSource`: a repository cloned once into a work directory and fetched every cycle with the
  real `git` command (https, ssh and file:// URLs, or a local path). Credentials come from git's
  own configuration (credential helpers, ssh keys and config); git never prompts (a prompt
  would hang the loop). A URL is shown only without its user info, query or fragment, and git's
  messages are scrubbed of it: a token in a URL never reaches logs, metrics or /status.
  Every git command has a deadline.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit, urlunsplit

from controller.loop.records import Revision

FLEET_FILE = "tenantctl.yaml"
FLEET_FOLDERS = ("plans", "tenants")
MAX_DIGESTED_BYTES = 4 * 1024 * 1024  # a larger file is digested by size (the loader refuses it)
MAX_GIT_OUTPUT = 8000
GIT_TIMEOUT_SECONDS = 120.0
_USERINFO = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://)[^/\s@]+@", re.IGNORECASE)


class SourceError(Exception):
    """The source could not be fetched or read; the message is safe to show."""


class Source(Protocol):
    def describe(self) -> dict[str, str | None]:
        """What /status shows of the source (never a credential)."""
        ...

    async def fetch(self) -> Revision:
        """The current revision; SourceError when it cannot be had."""
        ...


def redact_url(url: str) -> str:
    """A repository URL without user info, query or fragment (scp-like `user@host:path` kept:
    an ssh user name is not a secret, the key lives in ssh's configuration)."""
    parts = urlsplit(url)
    if not parts.scheme or "://" not in url:
        return url
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = host + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def scrub(text: str, url: str) -> str:
    """Git's message with the raw URL and any `scheme://userinfo@` replaced, bounded in size."""
    cleaned = text.replace(url, redact_url(url)) if url else text
    return _USERINFO.sub(r"\g<scheme>***@", cleaned)[:MAX_GIT_OUTPUT].strip()


@dataclass(frozen=True)
class DirSource:
    """A fleet directory read as it is, every cycle."""

    fleet_dir: Path

    def describe(self) -> dict[str, str | None]:
        return {"kind": "dir", "dir": str(self.fleet_dir), "url": None, "branch": None}

    async def fetch(self) -> Revision:
        if not self.fleet_dir.is_dir():
            raise SourceError(f"{self.fleet_dir} is not a directory")
        digest = await asyncio.to_thread(directory_digest, self.fleet_dir)
        return Revision(id=f"dir:{digest}", fleet_dir=str(self.fleet_dir))


def directory_digest(fleet_dir: Path) -> str:
    """A digest of the fleet files' names and contents: it changes when the fleet does."""
    hasher = hashlib.sha256()
    files = [fleet_dir / FLEET_FILE]
    for folder in FLEET_FOLDERS:
        base = fleet_dir / folder
        if base.is_dir():
            files.extend(sorted(p for p in base.rglob("*") if p.is_file()))
    for path in files:
        hasher.update(str(path.relative_to(fleet_dir)).encode() + b"\0")
        try:
            size = path.lstat().st_size
            content = path.read_bytes() if size <= MAX_DIGESTED_BYTES else str(size).encode()
        except OSError:
            content = b"<unreadable>"
        hasher.update(hashlib.sha256(content).digest())
    return hasher.hexdigest()[:16]


class GitSource:
    """A branch of a git repository, cloned into `workdir` and fetched every cycle."""

    def __init__(
        self,
        url: str,
        *,
        branch: str,
        path: str,
        workdir: Path,
        timeout: float = GIT_TIMEOUT_SECONDS,
    ) -> None:
        self.url, self.branch, self.path = url, branch, path
        self.workdir = workdir
        self.timeout = timeout
        self.fleet_dir = checked_subdir(workdir, path)

    def describe(self) -> dict[str, str | None]:
        return {
            "kind": "git",
            "url": redact_url(self.url),
            "branch": self.branch,
            "path": self.path or None,
            "dir": str(self.fleet_dir),
        }

    async def fetch(self) -> Revision:
        """Clone on first use, then fetch the branch and check out exactly its tip."""
        if not (self.workdir / ".git").is_dir():
            await self._clone()
        else:
            await self._git("remote", "set-url", "origin", self.url)
            refspec = f"+refs/heads/{self.branch}:refs/remotes/origin/{self.branch}"
            await self._git("fetch", "--quiet", "--no-tags", "--depth=1", "origin", refspec)
        await self._git("checkout", "--quiet", "--force", "--detach", f"origin/{self.branch}")
        await self._git("clean", "-q", "-ffdx")
        commit = (await self._git("rev-parse", "HEAD")).strip()
        if not self.fleet_dir.is_dir():
            raise SourceError(f"--path {self.path}: no such directory at commit {commit[:12]}")
        return Revision(id=commit, fleet_dir=str(self.fleet_dir))

    async def _clone(self) -> None:
        """Clone into a fresh directory beside the work directory, then move it in place, so a
        clone cut short never leaves a half repository behind."""
        self.workdir.parent.mkdir(parents=True, exist_ok=True)
        if self.workdir.exists() and any(self.workdir.iterdir()):
            raise SourceError(f"{self.workdir} exists and is not a git clone; remove it")
        staging = Path(tempfile.mkdtemp(prefix=".clone-", dir=self.workdir.parent))
        try:
            await self._git(
                "clone", "--quiet", "--no-tags", "--single-branch", "--depth=1",
                f"--branch={self.branch}", "--", self.url, str(staging),
                cwd=self.workdir.parent,
            )  # fmt: skip
            if self.workdir.exists():
                self.workdir.rmdir()
            staging.rename(self.workdir)
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    async def _git(self, *args: str, cwd: Path | None = None) -> str:
        return await run_git(args, cwd=cwd or self.workdir, url=self.url, timeout=self.timeout)


def checked_subdir(workdir: Path, path: str) -> Path:
    """`workdir/path`, refusing a path that leaves the repository."""
    if Path(path).is_absolute() or ".." in Path(path).parts:
        raise SourceError(f"--path {path!r}: give a directory inside the repository")
    return workdir / path if path else workdir


def git_environment() -> dict[str, str]:
    """The environment of git commands: never prompt, stable messages, ssh in batch mode."""
    env = dict(os.environ)
    env["GIT_TERMINAL_PROMPT"] = "0"
    env["LC_ALL"] = "C"
    env.setdefault("GIT_SSH_COMMAND", "ssh -o BatchMode=yes")
    return env


async def run_git(args: tuple[str, ...], *, cwd: Path, url: str, timeout: float) -> str:
    """Run `git ARGS` in `cwd`; its stdout, or SourceError with its scrubbed stderr."""
    process = await asyncio.create_subprocess_exec(
        "git", *args,
        cwd=cwd, env=git_environment(),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        out, err = await asyncio.wait_for(process.communicate(), timeout)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise SourceError(f"git {args[0]} did not finish within {timeout:.0f} s") from None
    except asyncio.CancelledError:
        process.kill()
        await process.wait()
        raise
    if process.returncode != 0:
        message = scrub(err.decode(errors="replace"), url) or f"exit code {process.returncode}"
        raise SourceError(f"git {args[0]} failed: {message}")
    return out.decode(errors="replace")[:MAX_GIT_OUTPUT]
