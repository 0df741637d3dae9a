"""Untrusted text made safe to show: on a terminal, in Markdown, and cut to a sane length.

Why this exists: every name, message and value that comes from a fleet file or from Neon is
untrusted when tenantctl prints it. A project renamed to hold `ESC[2J` must not clear a
reviewer's screen before a confirmation prompt; a database name like `</details><!--` or
`![pixel](https://...)` must not rewrite a pull-request comment or load an image; `@team` must
not notify anyone. One module does it for every view, and imports nothing, so every layer
(the client's errors included) can use it.
"""

from __future__ import annotations

import re

MAX_SHOWN_CHARS = 2_000  # upstream text longer than this is cut, with a note
# Characters that can start markup anywhere in a line; line-start markup (`#`, `-`, `1.`) never
# applies, because tenantctl always writes its own text before an untrusted value.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]|~])")
_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
# GitHub turns `https://...`, `www....` and `name@host` into links and `@team` into a mention,
# even after entities are decoded: a word joiner (U+2060, invisible) breaks each trigger.
_JOINER = "\u2060"
_AUTOLINKS = (("://", f":{_JOINER}//"), ("www.", f"www{_JOINER}."), ("@", f"@{_JOINER}"))
_BACKTICKS = re.compile(r"`+")


def printable(text: str) -> str:
    """Text safe to echo to a terminal: control characters (escape sequences) escaped."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text)


def cut(text: str, limit: int = MAX_SHOWN_CHARS) -> str:
    """`text` cut to `limit` characters, saying how much was left out."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... [{len(text) - limit} more characters cut]"


def terminal(text: object, limit: int = MAX_SHOWN_CHARS) -> str:
    """Untrusted text for a terminal line: escaped, and cut when very long."""
    return printable(cut(str(text), limit))


def markdown(text: object) -> str:
    """Untrusted text inside Markdown prose or a table cell: inert, shown as written.

    HTML is entity-encoded (no tag, comment or `</details>` survives), Markdown punctuation is
    backslash-escaped (no link, image, emphasis or table break), URLs, addresses and `@` are
    broken with an invisible word joiner (no autolink, no mention), and line breaks become
    spaces so that a value stays in its cell.
    """
    flat = printable(_one_line(cut(str(text))))
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", flat)
    for trigger, broken in _AUTOLINKS:
        escaped = escaped.replace(trigger, broken)
    return "".join(_HTML.get(ch, ch) for ch in escaped)


def markdown_code(text: object, *, cell: bool = False) -> str:
    """An untrusted identifier as an inline code span; `cell=True` inside a table, where a
    pipe would end the cell even in code (GitHub reads `\\|` there as a pipe)."""
    flat = printable(_one_line(cut(str(text))))
    longest = max((len(run) for run in _BACKTICKS.findall(flat)), default=0)
    fence = "`" * (longest + 1)
    padded = f" {flat} " if flat.startswith("`") or flat.endswith("`") or not flat else flat
    if cell:
        padded = padded.replace("|", "\\|")
    return f"{fence}{padded}{fence}"


def _one_line(text: str) -> str:
    return text.replace("\r\n", " ").replace("\n", " ").replace("\r", " ").replace("\t", " ")
