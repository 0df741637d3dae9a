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

`previous_plans` reads, for each changed tenant file, the pricing plan the file named at REF, so
that a pull request's plan shows each tenant's plan move (`starter -> growth`). Old files are read
with one `git cat-file --batch`, each at most `MAX_FILE_BYTES`, through the same bounded YAML
reader as the fleet; a file that cannot be read simply shows no move.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from controller.spec.files import MAX_FILE_BYTES, SETTINGS_FILE, YAML_SUFFIXES
from controller.spec.model import DesiredFleet
from controller.spec.yaml_source import parse_yaml
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
            folder, stem = _fleet_file(path)
            if folder == "tenants":
                selected.add(stem)
            elif folder == "plans":
                selected.update(t.id for t in fleet.tenants.values() if t.plan == stem)
    return frozenset(selected)


def previous_plans(
    fleet_dir: Path, ref: str, changes: Iterable[FileChange], fleet: DesiredFleet
) -> dict[str, str]:
    """Tenant id -> the pricing plan its file named at `ref`, for tenants whose file changed
    and whose plan is now a different one (the plan moves a pull request makes)."""
    changed = sorted(
        tenant_id
        for change in changes
        if change.status != "A"
        for tenant_id in (_tenant_of(change.path), _tenant_of(change.old_path or ""))
        if tenant_id in fleet.tenants  # valid ids: no newline to confuse cat-file
    )
    if not changed:
        return {}
    commit = _commit_of(fleet_dir, ref)
    prefix = _git(fleet_dir, "rev-parse", "--show-prefix", failure="git rev-parse failed").strip()
    # The file may have been `<id>.yml` at ref and `<id>.yaml` now (git may not see a rename).
    names = {
        (tenant_id, f"{commit}:{prefix}tenants/{tenant_id}{suffix}"): suffix
        for tenant_id in changed
        for suffix in YAML_SUFFIXES
    }
    texts = _read_blobs(fleet_dir, [name for _, name in names])
    moves: dict[str, str] = {}
    for (tenant_id, name), suffix in names.items():
        text = texts.get(name)
        if text is None or tenant_id in moves:
            continue
        parsed = parse_yaml(text, f"tenants/{tenant_id}{suffix}")
        data = parsed.document.data if parsed.document else None
        before = data.get("plan") if isinstance(data, dict) else None
        if isinstance(before, str) and before != fleet.tenants[tenant_id].plan:
            moves[tenant_id] = before
    return moves


def _fleet_file(path: str) -> tuple[str, str]:
    """(folder, name without suffix) of a file the loader reads; ("", "") for any other."""
    folder, _, name = path.partition("/")
    if "/" in name or not name.endswith(YAML_SUFFIXES) or name.startswith("."):
        return "", ""
    return folder, name.rsplit(".", 1)[0]


def _tenant_of(path: str) -> str:
    """The tenant id a path under `tenants/` names, or "" for any other file."""
    folder, stem = _fleet_file(path)
    return stem if folder == "tenants" else ""


def _read_blobs(fleet_dir: Path, names: list[str]) -> dict[str, str]:
    """The UTF-8 text of each `commit:path` object git has, skipping ones over the size bound."""
    failure = "--changed-since: git cat-file failed"
    request = "".join(f"{name}\n" for name in names).encode("utf-8", "surrogateescape")
    sizes = _git_bytes(fleet_dir, "cat-file", "--batch-check", stdin=request, failure=failure)
    small = []
    for name, line in zip(names, sizes.splitlines(), strict=False):
        parts = line.split(b" ")  # `<oid> blob <size>`, or `<name> missing`
        if len(parts) == 3 and parts[1] == b"blob" and int(parts[2]) <= MAX_FILE_BYTES:
            small.append(name)
    if not small:
        return {}
    request = "".join(f"{name}\n" for name in small).encode("utf-8", "surrogateescape")
    output = _git_bytes(fleet_dir, "cat-file", "--batch", stdin=request, failure=failure)
    texts: dict[str, str] = {}
    position = 0
    for name in small:
        end = output.index(b"\n", position)
        size = int(output[position:end].rsplit(b" ", 1)[-1])
        blob = output[end + 1 : end + 1 + size]
        position = end + 1 + size + 1  # the blob is followed by a newline
        try:
            texts[name] = blob.decode("utf-8")
        except UnicodeDecodeError:
            continue
    return texts


def _commit_of(fleet_dir: Path, ref: str) -> str:
    return _git(
        fleet_dir,
        "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}",
        failure=(
            f"--changed-since {printable(ref)}: git does not know this revision (in CI, fetch "
            "it first: actions/checkout with fetch-depth: 0)"
        ),
    ).strip()  # fmt: skip


def changed_files(fleet_dir: Path, ref: str) -> tuple[FileChange, ...]:
    """Fleet files that differ between `ref` and the working tree, untracked ones included."""
    _git(fleet_dir, "rev-parse", "--is-inside-work-tree", failure=_not_a_repository(fleet_dir))
    commit = _commit_of(fleet_dir, ref)
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
    return _git_bytes(fleet_dir, *args, failure=failure).decode("utf-8", "surrogateescape")


def _git_bytes(fleet_dir: Path, *args: str, failure: str, stdin: bytes | None = None) -> bytes:
    """`_git`'s output as bytes (blob sizes count bytes), with `stdin` fed to git."""
    command: Sequence[str] = ("git", "--no-pager", "-C", str(fleet_dir), *args)
    environment = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_OPTIONAL_LOCKS": "0"}
    try:
        done = subprocess.run(
            command,
            input=stdin,
            capture_output=True,
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
        said = done.stderr.decode("utf-8", "replace").strip().splitlines()
        detail = f" (git: {printable(said[0])})" if said else ""
        raise ChangedSinceError(f"{failure}{detail}")
    return done.stdout
