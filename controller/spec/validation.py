"""From a parsed YAML document to a checked file model, with every error placed in the file.

Pydantic reports errors by field path (`("overrides", "limits", "storag")`); the YAML document
knows where each path is written. This module joins the two into `path:line:column: message`,
adds "did you mean" for unknown keys, and salvages what it can: values that failed are dropped
and the rest validated again, so that the loader can still check cross-file references (a
missing plan, a duplicate id) of a file that also has a typo.
"""

from __future__ import annotations

from collections import deque
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from controller.spec.issues import SpecIssue, describe_type, did_you_mean, printable, shorten
from controller.spec.yaml_source import Loc, YamlDocument

M = TypeVar("M", bound=BaseModel)

_MAPPING_ERRORS = frozenset({"model_type", "model_attributes_type", "dict_type"})
_MAX_SALVAGE_ROUNDS = 3


def validate_document(
    model: type[M], document: YamlDocument, path: str, what: str
) -> tuple[M | None, tuple[SpecIssue, ...]]:
    """The model for the document and every problem found.

    The model is returned when the file's own values could be salvaged (bad values dropped);
    it is None when even that fails, e.g. a required key is missing.
    """
    if not isinstance(document.data, dict):
        position = document.position_of(())
        message = (
            f"expected a mapping of {what} at the top level, got {describe_type(document.data)}"
        )
        return None, (SpecIssue(path, position.line, position.column, message),)
    data: dict[str, Any] = document.data
    issues: list[SpecIssue] = []
    for _ in range(_MAX_SALVAGE_ROUNDS):
        try:
            return model.model_validate(data), tuple(issues)
        except ValidationError as error:
            details = error.errors()
        if not issues:
            issues = [_issue(detail, model, document, path) for detail in details]
        data = _without(data, [tuple(detail["loc"]) for detail in details])
    return None, tuple(issues)


def _issue(
    detail: ErrorDetails, model: type[BaseModel], document: YamlDocument, path: str
) -> SpecIssue:
    loc: Loc = tuple(detail["loc"])
    kind = detail["type"]
    dotted = _dotted(loc)
    if kind == "extra_forbidden":
        position = document.key_position_of(loc)
        message = _unknown_key(model, loc)
    elif kind == "missing":
        position = document.position_of(loc[:-1])
        where = f" in {_dotted(loc[:-1])}" if loc[:-1] else ""
        message = f"missing required key '{loc[-1]}'{where}"
    else:
        position = document.position_of(loc)
        if kind == "spec":
            message = f"{dotted}: {detail.get('ctx', {}).get('message', detail['msg'])}"
        elif kind in _MAPPING_ERRORS:
            message = f"{dotted}: expected a mapping, got {describe_type(detail['input'])}"
        else:
            message = f"{dotted}: {detail['msg']}"
    return SpecIssue(path, position.line, position.column, message)


def _unknown_key(model: type[BaseModel], loc: Loc) -> str:
    key = str(loc[-1])
    parent = loc[:-1]
    known = list(_model_at(model, parent).model_fields)
    where = f"{_dotted(parent)}: " if parent else ""
    home = _home_of(model, key, exclude=parent)
    hint = f"; it belongs under {home}" if home else did_you_mean(key, known)
    if not hint:
        hint = f"; valid keys: {', '.join(known)}"
    return f"{where}unknown key '{shorten(key)}'{hint}"


def _model_at(model: type[BaseModel], loc: Loc) -> type[BaseModel]:
    for part in loc:
        nested = _nested_model(model, str(part))
        if nested is None:
            break
        model = nested
    return model


def _nested_model(model: type[BaseModel], name: str) -> type[BaseModel] | None:
    annotation = model.model_fields[name].annotation
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


def _home_of(model: type[BaseModel], key: str, exclude: Loc) -> str | None:
    """The dotted path of the nested block where `key` is a valid key, if there is one."""
    queue: deque[tuple[Loc, type[BaseModel]]] = deque([((), model)])
    while queue:
        loc, current = queue.popleft()
        if key in current.model_fields and loc != exclude:
            return _dotted(loc) or "the top level"
        for name in current.model_fields:
            nested = _nested_model(current, name)
            if nested is not None:
                queue.append(((*loc, name), nested))
    return None


def _without(data: dict[str, Any], locs: list[Loc]) -> dict[str, Any]:
    """A copy of the data with the values at `locs` removed (so they count as not given)."""
    copy: dict[str, Any] = {key: _copy(value) for key, value in data.items()}
    for loc in locs:
        container: Any = copy
        for part in loc[:-1]:
            container = container.get(part) if isinstance(container, dict) else None
        if isinstance(container, dict) and loc:
            container.pop(loc[-1], None)
    return copy


def _copy(value: Any) -> Any:
    return {key: _copy(item) for key, item in value.items()} if isinstance(value, dict) else value


def _dotted(loc: Loc) -> str:
    return ".".join(printable(str(part)) for part in loc)
