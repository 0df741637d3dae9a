"""Reading YAML: what plain scalars mean, where values are, and which constructs are refused.

YAML 1.1 (PyYAML's default) reads `no` as False, `012` as 10 and `12:30` as 750; fleet files
read them as a person would. These cases pin that decision down.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from controller.spec.yaml_source import MAX_NODES, Position, parse_yaml, resolve_plain


@pytest.mark.parametrize(
    ("plain", "expected"),
    [
        ("no", "no"),
        ("off", "off"),
        ("on", "on"),
        ("yes", "yes"),
        ("y", "y"),
        ("0o17", "0o17"),
        ("0x1F", "0x1F"),
        ("1_000", "1_000"),
        ("12:30", "12:30"),
        ("017", 17),
        ("-3", -3),
        ("+5", 5),
        ("2.5", 2.5),
        ("1e3", 1000.0),
        (".inf", ".inf"),
        (".nan", ".nan"),
        ("1e999", "1e999"),
        ("9" * 31, "9" * 31),
        ("true", True),
        ("False", False),
        ("TRUE", True),
        ("null", None),
        ("~", None),
        ("", None),
        ("aws-eu-central-1", "aws-eu-central-1"),
    ],
)
def test_plain_scalars_follow_a_narrow_yaml_1_2_core_schema(plain: str, expected: Any) -> None:
    value = resolve_plain(plain)
    assert value == expected
    assert type(value) is type(expected)


def data_of(text: str) -> Any:
    parsed = parse_yaml(text, "f.yaml")
    assert parsed.issues == ()
    assert parsed.document is not None
    return parsed.document.data


def test_quoted_and_str_tagged_scalars_are_always_text() -> None:
    assert data_of("a: '017'\nb: \"true\"\nc: !!str 5\n") == {"a": "017", "b": "true", "c": "5"}


def test_aliases_within_the_budget_are_expanded() -> None:
    text = "caps: &caps {storage: 1GiB}\nagain: *caps\n"
    assert data_of(text) == {"caps": {"storage": "1GiB"}, "again": {"storage": "1GiB"}}


def test_every_key_and_value_has_its_position() -> None:
    parsed = parse_yaml("plan: pro\noverrides:\n  limits:\n    storage: 20GiB\n", "f.yaml")
    document = parsed.document
    assert document is not None
    assert document.key_position_of(("overrides", "limits", "storage")) == Position(4, 5)
    assert document.position_of(("overrides", "limits", "storage")) == Position(4, 14)
    assert document.position_of(("plan",)) == Position(1, 7)
    # An absent value falls back to its nearest enclosing value.
    assert document.position_of(("overrides", "compute", "max_cu")) == Position(3, 3)


def test_an_empty_stream_has_no_document_and_no_issue() -> None:
    parsed = parse_yaml("# only a comment\n", "f.yaml")
    assert parsed.document is None
    assert parsed.issues == ()


def test_a_flat_file_with_too_many_values_is_refused_at_the_value_over_budget() -> None:
    text = "a: [" + "1, " * (MAX_NODES + 10) + "]\n"
    parsed = parse_yaml(text, "f.yaml")
    assert [str(issue) for issue in parsed.issues] == [
        f"f.yaml:1:{5 + 3 * (MAX_NODES - 3)}: file has more than {MAX_NODES} values"
    ]


def test_a_yaml_bomb_is_refused_without_being_expanded() -> None:
    levels = ["l0: &l0 [x, x, x, x, x, x, x, x, x]"]
    levels += [f"l{n}: &l{n} [{', '.join([f'*l{n - 1}'] * 9)}]" for n in range(1, 30)]
    parsed = parse_yaml("\n".join(levels) + "\n", "f.yaml")  # 9**30 values if expanded
    assert [str(issue) for issue in parsed.issues] == [
        "f.yaml:5:10: aliases expand to more than 10000 values (a YAML alias bomb?)"
    ]


FIXTURES = Path(__file__).parents[1] / "fixtures" / "fleets"
SAMPLES = [
    'name: "héllo wörld"\nplan: ünï  # comment\nx: [1, 2,\n  3]\n',
    "😀: 😀\nb: {c: [d, 'é', \"\\u00e9\"]}\n",
    "a: |\n  text\n  more\nb: >\n  folded\n? complex\n: v\n",
    "a: &x {k: [1, 2]}\nb: *x\nc: [*x, *x]\n",
    "a: 1\na: 2\n",  # duplicate key: reported
    "a: [" + "[" * 40 + "]" * 40 + "]\n",  # nested past the limit
    "a: [" + "x, " * 6000 + "]\nb: {" + "k: v, " * 10 + "}\n",  # over the value budget
    "a: &a [*a]\n",  # recursive alias
    "a: b: c\n",
    "k: \x07\n",
    "a:\n\t- 1\n",
    "a: 1\n---\nb: 2\n",
    "? [1]\n: v\n",
]


def fixture_texts() -> list[str]:
    texts = [p.read_text(encoding="utf-8", errors="replace") for p in FIXTURES.rglob("*.y*ml")]
    return sorted(texts) + SAMPLES


@pytest.mark.parametrize("text", fixture_texts())
def test_libyaml_and_the_bounded_python_parser_agree_on_data_positions_and_errors(
    text: str,
) -> None:
    assert parse_yaml(text, "f.yaml") == parse_yaml(text, "f.yaml", use_libyaml=False)
