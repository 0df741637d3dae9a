"""Edit a tenant file in place for `adopt`, keeping the user's comments and layout.

A YAML round-trip through a parser would drop comments; the one edit adopt needs (set the
top-level `project_id`) is done on the text, then the whole fleet is validated again before
the change is kept.
"""

from __future__ import annotations

import re

_TOP_LEVEL_PROJECT_ID = re.compile(r"^project_id\s*:.*$", re.MULTILINE)
_TOP_LEVEL_ID = re.compile(r"^id\s*:.*$", re.MULTILINE)


def with_project_id(text: str, project_id: str) -> str:
    """The tenant file's text with `project_id: <id>` set at the top level."""
    line = f"project_id: {project_id}"
    if _TOP_LEVEL_PROJECT_ID.search(text):
        return _TOP_LEVEL_PROJECT_ID.sub(line, text, count=1)
    if not text.endswith("\n") and text:
        text += "\n"
    anchor = _TOP_LEVEL_ID.search(text)
    if anchor is not None:
        end = anchor.end()
        return f"{text[:end]}\n{line}{text[end:]}"
    lines = text.splitlines(keepends=True)
    head = 0
    while head < len(lines) and (lines[head].startswith("#") or lines[head].strip() in ("", "---")):
        head += 1
    return "".join(lines[:head]) + f"{line}\n" + "".join(lines[head:])
