"""Untrusted YAML text to plain data, with the line and column of every key and value.

PyYAML's `yaml.load` family would do, except that it forgets positions, silently keeps the last
of two duplicate keys, expands aliases without bound (the "billion laughs"), recurses without
bound on deeply nested input, and reads YAML 1.1, where `no` is False, `012` is 10 and `12:30`
is 750. So this module composes the node graph with hard limits on depth and node count, then
builds the data itself:

- plain scalars follow YAML 1.2's core schema, narrowed: `null`/`~`/empty, `true`/`false`,
  decimal integers and floats; everything else (`no`, `off`, `0o17`, `1_000`, `12:30`) is text;
- quoted scalars are always text; explicit tags other than `!!str` are refused;
- keys must be text and unique within their mapping; merge keys (`<<`) are refused;
- aliases are allowed, but each counts as a copy of what it refers to against the node budget,
  and an alias inside the value it refers to is an error.

Speed: scanning and parsing run in libyaml (PyYAML's C binding) when it is installed, about six
times faster than PyYAML's pure-Python scanner, which dominated `validate` on large fleets. The
composer with its limits stays in Python over either parser, so limits and positions are the
same. A file libyaml rejects is read again by the pure-Python parser, so that every syntax error
keeps PyYAML's wording and position.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.resolver import BaseResolver
from yaml.scanner import Scanner

from controller.spec.issues import SpecIssue, printable, shorten, show_value

MAX_DEPTH = 32  # nesting levels; a fleet file needs 3
MAX_NODES = 10_000  # nodes composed, and nodes built with alias expansions counted again

Loc = tuple[str | int, ...]

_PLAIN_TAG = "tag:tenantctl:plain"  # a plain (unquoted, untagged) scalar, resolved here
_STR_TAG = BaseResolver.DEFAULT_SCALAR_TAG
_SEQ_TAG = BaseResolver.DEFAULT_SEQUENCE_TAG
_MAP_TAG = BaseResolver.DEFAULT_MAPPING_TAG
_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_BOOLS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_INT_RE = re.compile(r"[-+]?[0-9]+")
_NUMBER_STARTS = frozenset("+-.0123456789")  # what an integer or float can start with
_MAX_INT_DIGITS = 30  # longer digit strings stay text: no quota is that large
_FLOAT_RE = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")


@dataclass(frozen=True, slots=True)
class Position:
    """A place in a file; both count from 1."""

    line: int
    column: int


@dataclass(frozen=True, slots=True)
class YamlDocument:
    """One file's data (dicts, lists, str, int, float, bool, None) and where each part is."""

    data: Any
    key_positions: Mapping[Loc, Position]
    value_positions: Mapping[Loc, Position]

    def position_of(self, loc: Loc) -> Position:
        """Where the value at `loc` starts, or its nearest enclosing value if it is absent."""
        for end in range(len(loc), -1, -1):
            position = self.value_positions.get(loc[:end])
            if position is not None:
                return position
        return Position(1, 1)

    def key_position_of(self, loc: Loc) -> Position:
        """Where the key naming the value at `loc` is written (falls back to the value)."""
        return self.key_positions.get(loc) or self.position_of(loc)


@dataclass(frozen=True, slots=True)
class ParsedYaml:
    """A document (None for an empty file or on a fatal error) and the problems found."""

    document: YamlDocument | None
    issues: tuple[SpecIssue, ...]


class _Rejected(Exception):
    """A problem that stops reading the file; carries where and what."""

    def __init__(self, position: Position, message: str) -> None:
        super().__init__(message)
        self.position = position
        self.message = message


class _PlainResolver(BaseResolver):
    """Leaves plain scalars for `_Builder` to resolve, so no YAML 1.1 rule applies."""

    def resolve(self, kind: type[Node], value: str, implicit: tuple[bool, bool]) -> str:
        if kind is ScalarNode:
            return _PLAIN_TAG if implicit[0] else _STR_TAG
        return _SEQ_TAG if kind is SequenceNode else _MAP_TAG


class _Limits(Composer):
    """PyYAML's composer with limits on nesting depth and expanded size.

    Every composed node counts once and every alias counts as many nodes as the value it
    refers to, so the budget bounds the data the builder will produce, and a bomb is stopped
    at the alias that crosses it, before any expansion happens.
    """

    def _start_limits(self) -> None:
        Composer.__init__(self)
        self._depth = 0
        self._expanded = 0
        self._sizes: dict[int, int] = {}  # id(node) -> expanded size, once fully composed

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        event = self.peek_event()  # type: ignore[attr-defined]  # from the parser mixed in
        start = _mark(event.start_mark)
        if isinstance(event, AliasEvent):
            target = self.anchors.get(event.anchor)
            if target is not None:
                size = self._sizes.get(id(target))
                if size is None:
                    message = (
                        f"alias *{printable(event.anchor or '')} refers to a value that contains it"
                    )
                    raise _Rejected(start, message)
                self._count(size, start, alias=True)
            return super().compose_node(parent, index)
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise _Rejected(start, f"file is nested more than {MAX_DEPTH} levels deep")
        before = self._expanded
        self._count(1, start, alias=False)
        try:
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        self._sizes[id(node)] = self._expanded - before
        return node

    def _count(self, amount: int, position: Position, *, alias: bool) -> None:
        self._expanded += amount
        if self._expanded > MAX_NODES:
            if alias:
                message = f"aliases expand to more than {MAX_NODES} values (a YAML alias bomb?)"
            else:
                message = f"file has more than {MAX_NODES} values"
            raise _Rejected(position, message)


class _BoundedLoader(Reader, Scanner, Parser, _Limits, _PlainResolver):
    """The pure-Python reader, scanner and parser under the bounded composer."""

    def __init__(self, text: str) -> None:
        Reader.__init__(self, text)
        Scanner.__init__(self)
        Parser.__init__(self)
        _PlainResolver.__init__(self)
        self._start_limits()


class _Fallback(Exception):
    """The fast path met something unusual (a limit, a syntax error): read the file again."""


_LibyamlComposer: type[_PlainResolver] | None
try:  # libyaml's scanner, parser and composer; absent when PyYAML was built without it
    from yaml._yaml import CParser
except ImportError:  # pragma: no cover - depends on how PyYAML was installed
    _LibyamlComposer = None
else:

    class _Composer(_PlainResolver, CParser):
        """libyaml's composer (it refuses nesting past 1,000 levels), resolving like ours."""

        def __init__(self, text: str) -> None:
            CParser.__init__(self, text)
            _PlainResolver.__init__(self)

    _LibyamlComposer = _Composer


def parse_yaml(text: str, path: str, *, use_libyaml: bool = True) -> ParsedYaml:
    """Parse one file's text; `path` (relative to the fleet directory) is used in issues.

    `use_libyaml=False` takes the bounded pure-Python path only (the two agree; tests check).
    """
    if use_libyaml and _LibyamlComposer is not None:
        try:
            return _parse_fast(_LibyamlComposer, text, path)
        except (_Fallback, yaml.YAMLError):
            pass  # read again below, for PyYAML's own message and position
    loader: _BoundedLoader | None = None
    try:
        loader = _BoundedLoader(text)
        root = loader.get_single_node()
        if root is None:
            return ParsedYaml(None, ())
        return _Builder(path).build_document(root)
    except _Rejected as rejected:
        issue = SpecIssue(path, rejected.position.line, rejected.position.column, rejected.message)
        return ParsedYaml(None, (issue,))
    except yaml.YAMLError as error:
        return ParsedYaml(None, (_syntax_issue(error, text, path),))
    finally:
        if loader is not None:
            loader.dispose()


def _parse_fast(composer: Any, text: str, path: str) -> ParsedYaml:
    """libyaml composes; the builder stops past the limits above (`_Fallback`), so that a file
    over a limit, or with an unsupported tag, is reported by the bounded path."""
    root = composer(text).get_single_node()
    if root is None:
        return ParsedYaml(None, ())
    try:
        return _Builder(path, guarded=True).build_document(root)
    except _Rejected:
        raise _Fallback from None


class _Builder:
    """Turns a composed node graph into data and positions, collecting non-fatal problems."""

    def __init__(self, path: str, *, guarded: bool = False) -> None:
        self._path = path
        # Guarded (after libyaml's composer, which has no limits): keys and values built,
        # aliases expanded, count against MAX_NODES as the bounded composer counts them, and
        # nesting against MAX_DEPTH (an alias inside its own value nests without end).
        # Crossing either, or any problem to report, gives up (`_Fallback`): the bounded path
        # then reports it exactly.
        self._guarded = guarded
        self._built = 0
        self._keys: dict[Loc, Position] = {}
        self._values: dict[Loc, Position] = {}
        self._issues: list[SpecIssue] = []

    def build_document(self, root: Node) -> ParsedYaml:
        data = self._build(root, ())
        document = YamlDocument(data, self._keys, self._values)
        return ParsedYaml(document, tuple(self._issues))

    def _build(self, node: Node, loc: Loc) -> Any:
        """The data of a node; its size is bounded by `_BoundedLoader`, cycles refused there
        (or, guarded, here)."""
        if self._guarded:
            self._guard(1, loc)
        self._values.setdefault(loc, _mark(node.start_mark))
        if isinstance(node, ScalarNode):
            return self._scalar(node)
        if isinstance(node, MappingNode) and node.tag == _MAP_TAG:
            return self._mapping(node, loc)
        if isinstance(node, SequenceNode) and node.tag == _SEQ_TAG:
            return [self._build(item, (*loc, index)) for index, item in enumerate(node.value)]
        raise _Rejected(_mark(node.start_mark), _tag_message(node.tag))

    def _mapping(self, node: MappingNode, loc: Loc) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if self._guarded:
                self._guard(1 if isinstance(key_node, ScalarNode) else MAX_NODES, loc)
            key = self._key(key_node)
            if key is None:
                continue
            if key in result:
                first = self._keys[(*loc, key)]
                self._report(
                    key_node,
                    f"duplicate key '{shorten(key)}' (first given on line "
                    f"{first.line}); YAML would silently keep only the last one",
                )
                continue
            self._keys[(*loc, key)] = _mark(key_node.start_mark)
            result[key] = self._build(value_node, (*loc, key))
        return result

    def _key(self, node: Node) -> str | None:
        if not isinstance(node, ScalarNode):
            self._report(node, "a key must be text, not a list or mapping")
            return None
        key = self._scalar(node)
        if node.tag == _PLAIN_TAG and key == "<<":
            self._report(node, "merge keys (<<) are not supported; write the keys out in full")
            return None
        if not isinstance(key, str):
            self._report(node, f"a key must be text, got {show_value(key)}; quote it if needed")
            return None
        return key

    def _scalar(self, node: ScalarNode) -> Any:
        if node.tag == _PLAIN_TAG:
            return resolve_plain(node.value)
        if node.tag == _STR_TAG:
            return node.value
        raise _Rejected(_mark(node.start_mark), _tag_message(node.tag))

    def _guard(self, count: int, loc: Loc) -> None:
        self._built += count
        if self._built > MAX_NODES or len(loc) >= MAX_DEPTH:
            raise _Fallback

    def _report(self, node: Node, message: str) -> None:
        if self._guarded:
            raise _Fallback
        position = _mark(node.start_mark)
        self._issues.append(SpecIssue(self._path, position.line, position.column, message))


def resolve_plain(text: str) -> Any:
    """The value of an unquoted scalar under the narrowed YAML 1.2 core schema above."""
    if text in _NULLS:
        return None
    if text in _BOOLS:
        return _BOOLS[text]
    if text[0] not in _NUMBER_STARTS:
        return text  # the usual case (`pro`, `10GiB`), without the regular expressions
    if _INT_RE.fullmatch(text):
        return int(text) if len(text.lstrip("+-")) <= _MAX_INT_DIGITS else text
    if _FLOAT_RE.fullmatch(text) and len(text) <= 40:
        number = float(text)
        return number if math.isfinite(number) else text
    return text


def _mark(mark: yaml.Mark | None) -> Position:
    if mark is None:
        return Position(1, 1)
    return Position(mark.line + 1, mark.column + 1)


def _tag_message(tag: str) -> str:
    shown = tag.replace("tag:yaml.org,2002:", "!!")
    return f"YAML tag '{printable(shown)}' is not supported; remove it"


def _syntax_issue(error: yaml.YAMLError, text: str, path: str) -> SpecIssue:
    if isinstance(error, yaml.reader.ReaderError):
        line = text.count("\n", 0, error.position) + 1
        column = error.position - (text.rfind("\n", 0, error.position) + 1) + 1
        char = ascii(chr(error.character))[1:-1] if isinstance(error.character, int) else "?"
        return SpecIssue(path, line, column, f"control character {char} is not allowed in YAML")
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    position = _mark(mark)
    return SpecIssue(path, position.line, position.column, _syntax_message(error))


def _syntax_message(error: yaml.YAMLError) -> str:
    problem = str(getattr(error, "problem", None) or "")
    context = str(getattr(error, "context", None) or "")
    context_mark = getattr(error, "context_mark", None)
    if "'\\t'" in problem:
        return "tab character here; YAML indents with spaces, not tabs"
    if "expected a single document" in context:
        return "file holds more than one YAML document (---); put one per file"
    if "found undefined alias" in problem:
        return f"{problem.replace('found undefined alias', 'alias')} is not defined above"
    if context and context_mark is not None:
        context += f" that starts at line {context_mark.line + 1}, column {context_mark.column + 1}"
    detail = f" ({context})" if context else ""
    return f"invalid YAML: {problem or 'cannot parse'}{detail}"
