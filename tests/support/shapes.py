"""Compare the shape of JSON documents: does the emulator answer with what real Neon sends?

Why this exists: the OpenAPI contract leaves most fields optional, so an emulator can satisfy it
while omitting fields real Neon always sends (and clients come to rely on). The recordings of real
traffic (`tests/support/recordings.py`) say what real objects look like; `assert_shape_covers`
checks that an emulator object has every field a real one has, with the same JSON type and
nesting, whatever the values.

A shape is plain JSON, easy to print and diff:
- scalars: `"string"`, `"number"` (int and float alike), `"boolean"`, `"null"`; two types seen at
  the same place are joined, e.g. `"number|string"`;
- objects: `{"field": shape, ...}`;
- arrays: `[element shape]`, the shapes of all elements merged; `[]` when empty;
- maps keyed by data (ids, setting names: see `DEFAULT_MAP_KEYS`): `{"{*}": value shape}`.
An empty array or map says nothing about its elements, so it is compatible with any.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

# Objects whose keys are data, not field names: branch annotations (keyed by branch id), the
# project list's applications/integrations (keyed by project id), Postgres and PgBouncer settings,
# and an annotation's user-chosen `value` keys.
DEFAULT_MAP_KEYS = frozenset(
    {"annotations", "applications", "integrations", "pg_settings", "pgbouncer_settings", "value"}
)
MAP_MARK = "{*}"
NULL = "null"
NOTHING = "nothing"  # the element shape of an empty array or map: unknown, compatible with any

Shape = Any  # str | list[Shape] | dict[str, Shape]; recursive JSON, hence Any


def _scalar(value: Any) -> str:
    if value is None:
        return NULL
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    raise TypeError(f"not a JSON value: {type(value).__name__}")


def merge_shapes(left: Shape, right: Shape) -> Shape:
    """The shape covering both: objects merge their fields, differing scalars are joined."""
    if left == right or right in (NULL, NOTHING):
        return left
    if left in (NULL, NOTHING):
        return right
    if isinstance(left, dict) and isinstance(right, dict):
        merged = dict(left)
        for key, shape in right.items():
            merged[key] = merge_shapes(merged[key], shape) if key in merged else shape
        return merged
    if isinstance(left, list) and isinstance(right, list):
        return [merge_shapes(_element(left), _element(right))]
    kinds = {kind for shape in (left, right) for kind in _kind_names(shape)}
    return "|".join(sorted(kinds))


def _kind_names(shape: Shape) -> list[str]:
    if isinstance(shape, dict):
        return ["object"]
    if isinstance(shape, list):
        return ["array"]
    return str(shape).split("|")


def _element(shape: list[Shape]) -> Shape:
    return shape[0] if shape else NOTHING


def _merged(shapes: list[Shape]) -> Shape:
    result: Shape = NOTHING
    for shape in shapes:
        result = merge_shapes(result, shape)
    return result


def shape_of(value: Any, *, map_keys: Collection[str] = DEFAULT_MAP_KEYS) -> Shape:
    """The shape of a decoded JSON value (see the module docstring for the notation)."""
    return _shape(value, None, map_keys)


def _shape(value: Any, key: str | None, map_keys: Collection[str]) -> Shape:
    if isinstance(value, dict):
        if key in map_keys:
            return {MAP_MARK: _merged([_shape(item, None, map_keys) for item in value.values()])}
        return {name: _shape(item, name, map_keys) for name, item in value.items()}
    if isinstance(value, list):
        element = _merged([_shape(item, None, map_keys) for item in value])
        return [] if element == NOTHING else [element]
    return _scalar(value)


# --- comparison ---------------------------------------------------------------------------------


def _child_path(path: str, key: str) -> str:
    if key == MAP_MARK:
        return f"{path}{{*}}"
    return f"{path}.{key}" if key.isidentifier() else f"{path}[{key!r}]"


def _describe(shape: Shape) -> str:
    return "|".join(_kind_names(shape))


def shape_problems(actual: Shape, recorded: Shape, path: str = "$") -> list[str]:
    """Why `actual` does not cover `recorded` (both shapes), one line per JSON path."""
    if recorded in (NULL, NOTHING) or actual == NOTHING:
        return []
    if isinstance(recorded, dict) and isinstance(actual, dict):
        return [
            problem
            for key, shape in recorded.items()
            for problem in _field_problems(actual, key, shape, path)
        ]
    if isinstance(recorded, list) and isinstance(actual, list):
        return shape_problems(_element(actual), _element(recorded), f"{path}[*]")
    if isinstance(recorded, dict | list) or isinstance(actual, dict | list):
        return [f"{path}: is {_describe(actual)}, real Neon sends {_describe(recorded)}"]
    if not set(_kind_names(actual)) <= set(_kind_names(recorded)):
        return [f"{path}: is {_describe(actual)}, real Neon sends {_describe(recorded)}"]
    return []


def _field_problems(actual: dict[str, Shape], key: str, shape: Shape, path: str) -> list[str]:
    child = _child_path(path, key)
    if key not in actual:
        if key == MAP_MARK:
            return [f"{path}: is an object with fields, real Neon sends a map"]
        return [f"{child}: missing (real Neon sends {_describe(shape)})"]
    return shape_problems(actual[key], shape, child)


def assert_shape_covers(
    actual: Any,
    recorded: Any,
    *,
    where: str = "",
    map_keys: Collection[str] = DEFAULT_MAP_KEYS,
) -> None:
    """Fail unless every field of `recorded` (real) exists in `actual` with the same JSON type
    and nesting, recursively. A null in the recording matches any type (the key must still be
    there); fields only in `actual` are fine. `where` prefixes the message (e.g. the cassette
    and endpoint compared)."""
    problems = shape_problems(
        shape_of(actual, map_keys=map_keys), shape_of(recorded, map_keys=map_keys)
    )
    if problems:
        prefix = f"{where}: " if where else ""
        listed = "\n".join(f"  - {problem}" for problem in problems)
        raise AssertionError(f"{prefix}shape differs from the real recorded response:\n{listed}")
