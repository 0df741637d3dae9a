"""What is wrong with a fleet, and where: `path:line:column: message`.

Every problem found while loading a fleet becomes one `SpecIssue`, collected across every file
rather than raised at the first, so that one `tenantctl validate` run shows everything to fix.
The rendering is the compiler convention that editors and CI annotators already understand.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass

from controller.untrusted import printable

__all__ = [
    "SpecIssue",
    "describe_type",
    "did_you_mean",
    "printable",
    "shorten",
    "show_number",
    "show_value",
]

_MAX_SHOWN_CHARS = 60


@dataclass(frozen=True)
class SpecIssue:
    """One problem. `path` is relative to the fleet directory; line and column count from 1.

    Line and column are None only for problems with a directory as a whole (a missing or
    unreadable folder); a problem with a file as a whole (empty, too large) points at 1:1.
    """

    path: str
    line: int | None
    column: int | None
    message: str

    def render(self) -> str:
        """`path:line:column: message`, or `path: message` when there is no position."""
        where = printable(self.path)
        if self.line is not None:
            where += f":{self.line}:{self.column if self.column is not None else 1}"
        return f"{where}: {self.message}"

    def __str__(self) -> str:
        return self.render()


def sort_key(issue: SpecIssue) -> tuple[str, int, int, str]:
    """Order issues by file, then position, so output is stable whatever the discovery order."""
    return (issue.path, issue.line or 0, issue.column or 0, issue.message)


def shorten(text: str) -> str:
    """A user's value cut to a length that fits in a one-line message."""
    escaped = printable(text)
    if len(escaped) > _MAX_SHOWN_CHARS:
        return escaped[: _MAX_SHOWN_CHARS - 3] + "..."
    return escaped


def show_value(value: object) -> str:
    """A user's value as it appears in a message: `'off'`, `3.5`, `true`, `null`, `a list`."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return shorten(repr(value))
    if isinstance(value, str):
        return f"'{shorten(value)}'"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return f"a {type(value).__name__}"


def show_number(value: float) -> str:
    """A quantity without a needless `.0`: `4`, `0.25`; an integer exactly as it is."""
    if isinstance(value, int):
        return str(value)
    return str(int(value)) if value.is_integer() else repr(value)


def describe_type(value: object) -> str:
    """The YAML kind of a value, for "expected X, got Y" messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"the boolean {show_value(value)}"
    if isinstance(value, int):
        return f"the integer {show_value(value)}"
    if isinstance(value, float):
        return f"the number {show_value(value)}"
    if isinstance(value, str):
        return f"the string {show_value(value)}"
    return show_value(value)


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """`; did you mean 'x'?` when one candidate is close to the word, else an empty string."""
    close = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return f"; did you mean '{printable(close[0])}'?" if close else ""
