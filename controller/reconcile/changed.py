"""Which tenants' desired state changed since a git revision: the deep set of a partial plan.

Why this exists: a pull request that edits one tenant should not pay for reading every tenant's
computes. `plan --changed-since REF` (and the controller loop, between the last applied revision
and the new one) asks git which fleet files differ between REF and the working tree, and plans
in full only the tenants those files decide (`PlanOptions.deep`); every other tenant is still
compared against the project list, which is read anyway.

What selects what (paths relative to the fleet directory; a rename counts at both ends):
- `tenants/<id>.yaml` changed, added, removed or renamed: that tenant (a removed one is an
  orphan now, found by its ownership mark);
- `plans/<name>.yaml` changed: every tenant on that plan;
- `tenantctl.yaml` changed (fleet name, project name prefix): every tenant (`None`);
- anything else (README, schema/, files the loader ignores): nothing.

Files not yet known to git (untracked, not ignored) count as added. The real `git` command is
run, bounded in time; its output is parsed from `-z` form, so no file name can confuse it.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from controller.spec.files import SETTINGS_FILE, YAML_SUFFIXES
from controller.spec.model import DesiredFleet
from controller.untrusted import printable

GIT_TIMEOUT_SECONDS = 60.0
_FLEET_PATHS = ("plans", "tenants", SETTINGS_FILE)


class ChangedSinceError(Exception):
    """git could not say what changed: not a repository, an unknown revision, no git."""


@dataclass(frozen=True)
class FileChange:
    """One file that differs: git's status letter, its path, and its old path when renamed."""

    status: str
    path: str
    old_path: str | None = None


def changed_since(fleet_dir: Path, ref: str, fleet: DesiredFleet) -> frozenset[str] | None:
    """The tenants to plan in full after the fleet files changed since `ref` (None: all)."""
    return tenants_to_check(changed_files(fleet_dir, ref), fleet)


def tenants_to_check(changes: Iterable[FileChange], fleet: DesiredFleet) -> frozenset[str] | None:
    """The tenant ids the changed files decide (see the module docstring); None for all."""
    selected: set[str] = set()
    for change in changes:
        for path in (change.path, change.old_path):
            if path is None:
                continue
            if path == SETTINGS_FILE:
                return None
            folder, _, name = path.partition("/")
            if "/" in name or not name.endswith(YAML_SUFFIXES) or name.startswith("."):
                continue  # not a file the loader reads
            stem = name.rsplit(".", 1)[0]
            if folder == "tenants":
                selected.add(stem)
            elif folder == "plans":
                selected.update(t.id for t in fleet.tenants.values() if t.plan == stem)
    return frozenset(selected)


def changed_files(fleet_dir: Path, ref: str) -> tuple[FileChange, ...]:
    """Fleet files that differ between `ref` and the working tree, untracked ones included."""
    _git(fleet_dir, "rev-parse", "--is-inside-work-tree", failure=_not_a_repository(fleet_dir))
    commit = _git(
        fleet_dir,
        "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}",
        failure=(
            f"--changed-since {printable(ref)}: git does not know this revision (in CI, fetch "
            "it first: actions/checkout with fetch-depth: 0)"
        ),
    ).strip()  # fmt: skip
    diff = _git(
        fleet_dir,
        "diff", "--relative", "--name-status", "-z", "-M", "--no-ext-diff", "--no-textconv",
        commit, "--", *_FLEET_PATHS,
        failure=f"--changed-since {printable(ref)}: git diff failed",
    )  # fmt: skip
    untracked = _git(
        fleet_dir,
        "ls-files", "--others", "--exclude-standard", "-z", "--", *_FLEET_PATHS,
        failure="--changed-since: git ls-files failed",
    )  # fmt: skip
    added = [FileChange("A", path) for path in untracked.split("\0") if path]
    return (*parse_name_status(diff), *added)


def parse_name_status(output: str) -> list[FileChange]:
    """`git diff --name-status -z` output: `M\\0path\\0`, `R100\\0old\\0new\\0`..."""
    fields = output.split("\0")
    changes: list[FileChange] = []
    index = 0
    while index < len(fields) and fields[index]:
        status = fields[index][0]
        if status in ("R", "C"):
            old, new = fields[index + 1], fields[index + 2]
            changes.append(FileChange(status, new, old if status == "R" else None))
            index += 3
        else:
            changes.append(FileChange(status, fields[index + 1]))
            index += 2
    return changes


def _not_a_repository(fleet_dir: Path) -> str:
    return (
        f"--changed-since needs a git repository: {printable(str(fleet_dir))} is not inside a "
        "git working tree"
    )


def _git(fleet_dir: Path, *args: str, failure: str) -> str:
    """Run git in the fleet directory; a failure raises ChangedSinceError with `failure`."""
    command: Sequence[str] = ("git", "--no-pager", "-C", str(fleet_dir), *args)
    environment = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_OPTIONAL_LOCKS": "0"}
    try:
        done = subprocess.run(
            command,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="surrogateescape",
            timeout=GIT_TIMEOUT_SECONDS,
            env=environment,
            check=False,
        )
    except FileNotFoundError:
        raise ChangedSinceError(
            "--changed-since needs git, and no `git` command was found"
        ) from None
    except subprocess.TimeoutExpired:
        raise ChangedSinceError(f"{failure} (git took over {GIT_TIMEOUT_SECONDS:g} s)") from None
    if done.returncode != 0:
        said = done.stderr.strip().splitlines()
        detail = f" (git: {printable(said[0])})" if said else ""
        raise ChangedSinceError(f"{failure}{detail}")
    return done.stdout
