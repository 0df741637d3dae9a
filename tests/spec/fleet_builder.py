"""Build small fleet directories for tests, and read a load result as the user would see it."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from controller.spec import FleetLoadResult, load_fleet

REPO_ROOT = Path(__file__).resolve().parents[2]
FIXTURES = REPO_ROOT / "tests" / "fixtures" / "fleets"
BASIC_PLAN = "description: Basic plan\n"


def write_fleet(root: Path, files: Mapping[str, str | bytes]) -> Path:
    """Write each `relative path -> content` under root (text as UTF-8) and return root."""
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return root


def tenant_fleet(root: Path, tenant_yaml: str, plan_yaml: str = BASIC_PLAN) -> Path:
    """A fleet of one plan `basic` and one tenant `acme` with the given file contents."""
    return write_fleet(root, {"plans/basic.yaml": plan_yaml, "tenants/acme.yaml": tenant_yaml})


def rendered(result: FleetLoadResult) -> tuple[list[str], list[str]]:
    """(errors, warnings) rendered as `path:line:column: message`."""
    return [str(e) for e in result.errors], [str(w) for w in result.warnings]


def load_errors(root: Path) -> list[str]:
    """The rendered errors of the fleet at root."""
    return rendered(load_fleet(root))[0]
