"""Saved plan files: written with an authentication tag, refused whole when edited.

Why this exists: `plan --out plan.json` in CI and `apply plan.json` later is how a reviewed
plan is carried out exactly. A plan file says which projects to change, which are adopted
(bound by `project_id`, so they carry no ownership mark) and which deletes were permitted; an
edited file must not widen any of that. So the file carries an HMAC-SHA256 tag over its
canonical content, keyed from the target's API key (or, for the embedded emulator, a private
key in `.tenantctl/`): only someone holding the key — who could call Neon directly anyway —
can produce a plan apply accepts. A file whose tag does not match is refused as a whole, with
nothing applied. The tag is not encryption: a plan file holds no secret and stays readable.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from pydantic import ValidationError

from controller.reconcile.changeplan import FORMAT_VERSION, ChangePlan

SIGNATURE = "signature"
_DERIVED = ("summary", "has_changes")
_CONTEXT = b"tenantctl change plan v2\n"


class PlanFileError(ValueError):
    """A saved plan file that cannot be applied: not JSON, another version, malformed, or not
    signed by the key of the target it is applied to."""


def signing_key(secret: str, *, host: str, org_id: str | None) -> bytes:
    """The key that signs plans for one target: derived from its secret (the API key), host and
    org, so a plan for one account or org is never accepted for another."""
    message = _CONTEXT + f"{host}\n{org_id or ''}".encode()
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).digest()


def plan_text(plan: ChangePlan, key: bytes) -> str:
    """The plan file: the documented JSON (docs/plan-format.md) with its tag."""
    data = plan.to_json_dict()
    data[SIGNATURE] = _tag(plan, key)
    return json.dumps(data, indent=2, sort_keys=True) + "\n"


def load_plan(text: str, *, source: str, key: bytes) -> ChangePlan:
    """Parse and authenticate a saved plan; PlanFileError says where and what is wrong."""
    data = _parse(text, source)
    tag = data.pop(SIGNATURE, None)
    for derived in _DERIVED:
        data.pop(derived, None)
    try:
        plan = ChangePlan.model_validate(data)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in problem['loc'])}: {problem['msg']}"
            for problem in error.errors(include_url=False)[:5]
        )
        raise PlanFileError(f"{source}: not a valid tenantctl plan: {problems}") from None
    try:
        expected = _tag(plan, key)
    except UnicodeEncodeError:
        raise PlanFileError(f"{source}: not a valid tenantctl plan: text is not Unicode") from None
    if not isinstance(tag, str) or not tag.isascii() or not hmac.compare_digest(tag, expected):
        raise PlanFileError(
            f"{source}: the plan's signature does not match: it was edited after `tenantctl "
            "plan` made it, or made with another API key or for another target; apply refuses "
            "it as a whole and nothing was applied. Make the plan again"
        )
    return plan


def _tag(plan: ChangePlan, key: bytes) -> str:
    canonical = json.dumps(
        plan.model_dump(mode="json"), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return hmac.new(key, canonical.encode("utf-8"), hashlib.sha256).hexdigest()


def _parse(text: str, source: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        where = f"{source}:{error.lineno}:{error.colno}"
        raise PlanFileError(f"{where}: not JSON: {error.msg}") from None
    if not isinstance(data, dict):
        found = type(data).__name__
        raise PlanFileError(f"{source}: a plan file holds a JSON object, found {found}")
    version = data.get("format_version")
    if version != FORMAT_VERSION:
        raise PlanFileError(
            f"{source}: plan format_version {version!r} is not supported "
            f"(this tenantctl reads version {FORMAT_VERSION}); make the plan again"
        )
    return data
