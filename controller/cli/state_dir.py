"""The fleet's `.tenantctl/` folder (local state and caches), kept out of git.

Why this exists: `.tenantctl/` holds the embedded emulator's state, ownership marks and usage
readings already read, and the apply lock: machine-local files that must never be committed.
When tenantctl creates the folder it adds it to the fleet's `.gitignore` (creating that file if
needed, never adding the line twice); `validate` warns when the folder exists and git would
still pick it up.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from controller.cli.common import CommandError, write_atomically

STATE_DIR = ".tenantctl"
IGNORE_LINE = f"{STATE_DIR}/"
GITIGNORE = ".gitignore"
_IGNORING = frozenset(
    {STATE_DIR, IGNORE_LINE, f"/{STATE_DIR}", f"/{IGNORE_LINE}", f"{STATE_DIR}/*"}
)
GIT_TIMEOUT_SECONDS = 5


def ensure_state_dir(fleet_dir: Path) -> Path:
    """The fleet's `.tenantctl/`, created if missing (and then listed in `.gitignore`)."""
    state_dir = fleet_dir.resolve() / STATE_DIR
    if state_dir.is_dir():
        return state_dir
    try:
        state_dir.mkdir()
    except FileExistsError:
        return state_dir
    except OSError as error:
        raise CommandError(f"cannot create {state_dir}: {error.strerror or error}") from None
    ignore_state_dir(fleet_dir.resolve())
    return state_dir


def ignore_state_dir(root: Path) -> bool:
    """Add `.tenantctl/` to `root/.gitignore` unless a line there already ignores it.

    Returns whether the file was changed."""
    path = root / GITIGNORE
    try:
        text = path.read_text(encoding="utf-8") if path.exists() else ""
    except (OSError, UnicodeDecodeError) as error:
        raise CommandError(f"cannot read {path}: {error}") from None
    if _listed(text):
        return False
    separator = "" if not text or text.endswith("\n") else "\n"
    comment = "# tenantctl's local state and caches (added by tenantctl)\n"
    write_atomically(path, f"{text}{separator}{comment}{IGNORE_LINE}\n")
    return True


def _listed(gitignore: str) -> bool:
    return any(line.strip() in _IGNORING for line in gitignore.splitlines())


def unignored_state_dir(fleet_dir: Path) -> str | None:
    """A warning when `.tenantctl/` exists and git would not ignore it, else None.

    Asks git when the fleet is in a work tree (its answer covers every .gitignore and the
    global excludes); elsewhere reads the fleet's own `.gitignore`.
    """
    root = fleet_dir.resolve()
    if not (root / STATE_DIR).is_dir():
        return None
    ignored = _git_says_ignored(root)
    if ignored is None:
        path = root / GITIGNORE
        try:
            ignored = path.is_file() and _listed(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError):
            ignored = False
    if ignored:
        return None
    return (
        f"{STATE_DIR}/: local state and caches that git does not ignore; add the line "
        f"`{IGNORE_LINE}` to {GITIGNORE} so that they are never committed"
    )


def _git_says_ignored(root: Path) -> bool | None:
    """git's own answer (True or False), or None when git is missing or this is no work tree."""
    try:
        done = subprocess.run(
            ["git", "check-ignore", "--quiet", "--no-index", IGNORE_LINE],
            cwd=root,
            capture_output=True,
            timeout=GIT_TIMEOUT_SECONDS,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode in (0, 1):
        return done.returncode == 0
    return None
