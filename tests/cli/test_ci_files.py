"""The GitHub Action, the pre-commit hook and the README's workflow run commands that exist."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import yaml

from controller.cli import build_parser

REPO = Path(__file__).resolve().parents[2]


def tenantctl_calls(script: str) -> list[list[str]]:
    """Every `tenantctl ...` command line in a shell script, up to its redirection or `||`."""
    calls = []
    for line in script.splitlines():
        found = re.search(r"\btenantctl (.*)", line)
        if found is None or "tenantctl action:" in line:
            continue
        words = shlex.split(re.split(r"\s(?:>|\|\||;;|\|)", found.group(1))[0])
        words = [w.replace("$FLEET_DIR", ".") for w in words]
        # `"${since[@]}"` expands to `--changed-since FETCH_HEAD` on a pull request, else nothing
        calls.append([x for w in words for x in (SINCE if w == "${since[@]}" else [w])])
    return calls


SINCE = ["--changed-since", "FETCH_HEAD"]


def test_every_tenantctl_call_in_the_action_parses_and_reads_the_given_dir() -> None:
    action: dict[str, Any] = yaml.safe_load((REPO / "action.yml").read_text())
    assert action["runs"]["using"] == "composite"
    steps = action["runs"]["steps"]
    install = next(s for s in steps if "pip install" in s.get("run", ""))
    assert '"${{ github.action_path }}"' in install["run"]  # from this repository, no index
    script = next(s for s in steps if s.get("id") == "run")["run"]
    calls = tenantctl_calls(script)
    assert {c[0] for c in calls} == {"validate", "plan", "apply"}
    for call in calls:
        args = build_parser().parse_args(call)
        assert args.fleet_dir == Path("."), call
    assert ["plan", "--format", "markdown", "--dir", ".", *SINCE] in calls
    assert ["apply", "--yes", "--dir", "."] in calls


def test_the_pre_commit_hook_runs_validate() -> None:
    (hook,) = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    assert hook["id"] == "tenantctl-validate"
    assert hook["entry"] == "tenantctl validate"
    assert hook["pass_filenames"] is False
    assert re.search(hook["files"], "tenants/acme.yaml")
    assert re.search(hook["files"], "adopted.yaml")
    assert not re.search(hook["files"], "README.md")


def test_the_readme_workflow_keeps_plans_and_applies_apart() -> None:
    readme = (REPO / "README.md").read_text()
    block = readme.split("# .github/workflows/tenants.yml\n", 1)[1].split("```", 1)[0]
    workflow: dict[str, Any] = yaml.safe_load(block)
    jobs = workflow["jobs"]
    assert jobs["plan"]["concurrency"]["group"] != jobs["apply"]["concurrency"]["group"]
    assert jobs["apply"]["concurrency"]["cancel-in-progress"] is False
    for job in jobs.values():
        action = next(s for s in job["steps"] if "tenantctl" in s.get("uses", ""))
        assert action["with"]["command"] in ("plan", "apply")
    assert "pip install tenantctl" not in readme
