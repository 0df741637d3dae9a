"""shape_of / assert_shape_covers: emulator objects must have the shape of real ones."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.support.recordings import recorded_responses
from tests.support.shapes import assert_shape_covers, merge_shapes, shape_of, shape_problems

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=15,
)


def failure(actual: Any, recorded: Any, **kwargs: Any) -> str:
    with pytest.raises(AssertionError) as caught:
        assert_shape_covers(actual, recorded, **kwargs)
    return str(caught.value)


def test_shape_notation() -> None:
    value = {
        "id": "p-1",
        "pg_version": 17,
        "cu": 0.25,
        "store_passwords": True,
        "deleted_at": None,
        "ips": [],
        "operations": [{"id": "o-1"}, {"id": "o-2", "error": "boom"}],
        "annotations": {"br-1": {"value": {"tenant": "acme"}}},
    }
    assert shape_of(value) == {
        "id": "string",
        "pg_version": "number",
        "cu": "number",
        "store_passwords": "boolean",
        "deleted_at": "null",
        "ips": [],
        "operations": [{"id": "string", "error": "string"}],
        "annotations": {"{*}": {"value": {"{*}": "string"}}},
    }


def test_mixed_scalar_types_are_joined() -> None:
    assert shape_of([1, "a", None]) == ["number|string"]
    assert merge_shapes("null", "string") == "string"


def test_same_shape_passes_and_extra_fields_are_fine() -> None:
    assert_shape_covers({"id": "a", "extra": 1}, {"id": "b"})


def test_int_and_float_are_both_numbers() -> None:
    assert_shape_covers({"cu": 1}, {"cu": 0.25})
    assert_shape_covers({"cu": 0.5}, {"cu": 2})


def test_null_in_the_recording_matches_anything() -> None:
    assert_shape_covers({"error": "boom", "retry_at": {"at": 1}}, {"error": None, "retry_at": None})


def test_recorded_null_field_must_still_be_present() -> None:
    assert "$.deleted_at: missing (real Neon sends null)" in failure({}, {"deleted_at": None})


def test_missing_field_is_named_by_its_json_path() -> None:
    message = failure({"project": {"settings": {}}}, {"project": {"settings": {"quota": {}}}})
    assert message == (
        "shape differs from the real recorded response:\n"
        "  - $.project.settings.quota: missing (real Neon sends object)"
    )


def test_type_mismatch_is_reported() -> None:
    assert failure({"pg_version": "17"}, {"pg_version": 17}, where="GET project").endswith(
        "GET project: shape differs from the real recorded response:\n"
        "  - $.pg_version: is string, real Neon sends number"
    )


def test_null_where_real_neon_sends_a_value_is_reported() -> None:
    assert "$.name: is null, real Neon sends string" in failure({"name": None}, {"name": "x"})


def test_boolean_is_not_a_number() -> None:
    assert "$.disabled: is boolean, real Neon sends number" in failure(
        {"disabled": True}, {"disabled": 0}
    )


def test_nesting_must_match() -> None:
    assert "$.settings: is array, real Neon sends object" in failure(
        {"settings": []}, {"settings": {}}
    )
    assert "$.ips: is string, real Neon sends array" in failure({"ips": "1.2.3.4"}, {"ips": []})


def test_list_elements_are_compared_by_merged_shape() -> None:
    recorded = {"operations": [{"id": "a", "action": "x"}]}
    assert_shape_covers(
        {"operations": [{"id": "b", "action": "y"}, {"id": "c", "action": "z"}]}, recorded
    )
    assert_shape_covers({"operations": []}, recorded)  # no elements: nothing to compare
    assert "$.operations[*].action: missing" in failure({"operations": [{"id": "b"}]}, recorded)


def test_maps_keyed_by_ids_are_compared_by_value_shape() -> None:
    recorded = {"annotations": {"br-real": {"value": {"owner": "x"}, "created_at": "t"}}}
    assert_shape_covers(
        {"annotations": {"br-emulated": {"value": {}, "created_at": "u"}}}, recorded
    )
    assert_shape_covers({"annotations": {}}, recorded)
    message = failure({"annotations": {"br-emulated": {"value": {}}}}, recorded)
    assert "$.annotations{*}.created_at: missing (real Neon sends string)" in message


def test_custom_map_keys() -> None:
    recorded = {"by_id": {"x-1": 1}}
    assert "$.by_id['x-1']: missing" in failure({"by_id": {"x-2": 1}}, recorded)
    assert_shape_covers({"by_id": {"x-2": 1}}, recorded, map_keys={"by_id"})


def test_every_problem_is_listed() -> None:
    assert shape_problems(shape_of({"a": 1}), shape_of({"a": "x", "b": 1, "c": [1]})) == [
        "$.a: is number, real Neon sends string",
        "$.b: missing (real Neon sends number)",
        "$.c: missing (real Neon sends array)",
    ]


def test_real_endpoint_loses_a_field() -> None:
    [real] = recorded_responses("GET", "/projects/{project_id}/endpoints/{endpoint_id}")
    emulated = copy.deepcopy(real)
    assert_shape_covers(emulated, real)
    del emulated["endpoint"]["proxy_host"]
    emulated["endpoint"]["suspend_timeout_seconds"] = "0"
    assert sorted(failure(emulated, real).splitlines()[1:]) == [
        "  - $.endpoint.proxy_host: missing (real Neon sends string)",
        "  - $.endpoint.suspend_timeout_seconds: is string, real Neon sends number",
    ]


@given(json_values)
def test_any_value_covers_itself(value: Any) -> None:
    assert shape_problems(shape_of(value), shape_of(value)) == []


objects = st.dictionaries(st.from_regex(r"[a-z]{1,6}", fullmatch=True), json_values, max_size=4)


@given(objects, objects)
def test_extra_fields_never_matter(recorded: dict[str, Any], extra: dict[str, Any]) -> None:
    assert_shape_covers(
        {**{f"x_{key}": value for key, value in extra.items()}, **recorded}, recorded
    )


@given(objects.filter(bool), st.data())
def test_dropping_any_field_is_caught(recorded: dict[str, Any], data: st.DataObject) -> None:
    dropped = data.draw(st.sampled_from(sorted(recorded)))
    actual = {key: value for key, value in recorded.items() if key != dropped}
    problems = shape_problems(shape_of(actual), shape_of(recorded))
    # Even a recorded null counts: real Neon sends the key, so the emulator must too.
    assert len(problems) == 1
    assert problems[0].startswith(f"$.{dropped}: missing (real Neon sends ")
