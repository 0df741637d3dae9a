"""Broken and hostile files get one clear error each, never a traceback, hang or blow-up.

Each fixture case is a fleet directory under tests/fixtures/fleets/ (see its README); cases that
git cannot hold (symlinks out of the fleet, FIFOs, multi-megabyte files) are built in tmp_path.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from controller.spec import load_fleet
from controller.spec.files import MAX_FILE_BYTES
from tests.spec.fleet_builder import BASIC_PLAN, FIXTURES, load_errors, rendered, write_fleet

FILE_CASES: dict[str, list[str]] = {
    "malformed-yaml": [
        "tenants/acme.yaml:2:6: invalid YAML: expected ',' or ']', but got ':' "
        "(while parsing a flow sequence that starts at line 1, column 7)"
    ],
    "alias-bomb": [
        "tenants/acme.yaml:6:10: aliases expand to more than 10000 values (a YAML alias bomb?)"
    ],
    "deep-nesting": ["tenants/acme.yaml:2:43: file is nested more than 32 levels deep"],
    "not-utf8": ["tenants/acme.yaml:2:6: byte 0xe9 is not valid UTF-8; save the file as UTF-8"],
    "utf16": ["tenants/acme.yaml:1:1: file is UTF-16-encoded; save it as UTF-8"],
    "empty-file": [
        "tenants/acme.yaml:1:1: file is empty; "
        "a tenant file needs at least `plan: <name of a file in plans/>`"
    ],
    "only-comments": [
        "tenants/acme.yaml:1:1: file holds only comments; "
        "a tenant file needs at least `plan: <name of a file in plans/>`"
    ],
    "list-not-mapping": [
        "tenants/acme.yaml:1:1: expected a mapping of tenant settings at the top level, got a list"
    ],
    "scalar-document": [
        "tenants/acme.yaml:1:1: expected a mapping of tenant settings at the top level, "
        "got the string 'basic'"
    ],
    "tab-indentation": [
        "tenants/acme.yaml:3:1: tab character here; YAML indents with spaces, not tabs"
    ],
    "duplicate-key": [
        "tenants/acme.yaml:3:1: duplicate key 'state' (first given on line 2); "
        "YAML would silently keep only the last one"
    ],
    "non-text-key": ["tenants/acme.yaml:2:1: a key must be text, got 1; quote it if needed"],
    "several-documents": [
        "tenants/acme.yaml:2:1: file holds more than one YAML document (---); put one per file"
    ],
    "python-tag": [
        "tenants/acme.yaml:1:7: YAML tag '!!python/object/apply:os.system' is not supported; "
        "remove it"
    ],
    "merge-key": [
        "tenants/acme.yaml:6:5: merge keys (<<) are not supported; write the keys out in full"
    ],
    "control-character": ["tenants/acme.yaml:2:13: control character \\x1b is not allowed in YAML"],
    "recursive-alias": ["tenants/acme.yaml:3:11: alias *o refers to a value that contains it"],
}


@pytest.mark.parametrize("case", sorted(FILE_CASES))
def test_a_broken_file_gets_one_clear_error(case: str) -> None:
    result = load_fleet(FIXTURES / case)
    assert result.fleet is None
    assert rendered(result) == (FILE_CASES[case], [])


def test_other_files_in_fleet_folders_are_ignored_with_a_warning() -> None:
    result = load_fleet(FIXTURES / "stray-files")
    assert result.fleet is not None
    assert list(result.fleet.tenants) == ["acme"]  # archive/old.yaml is not a tenant
    assert rendered(result) == (
        [],
        [
            "plans/README.md: ignored: not a .yaml or .yml file",
            "tenants/archive: directory ignored: files must sit directly in tenants/",
            "tenants/notes.txt: ignored: not a .yaml or .yml file",
        ],
    )


def test_a_directory_without_plans_or_tenants_is_not_a_fleet() -> None:
    fleet_dir = FIXTURES / "not-a-fleet"
    assert load_errors(fleet_dir) == [
        f".: no plans/ or tenants/ directory in {fleet_dir}; is this a fleet directory?"
    ]


def test_a_missing_fleet_directory_is_reported(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    assert load_errors(missing) == [f"{missing}: fleet directory does not exist"]


def test_a_file_of_several_megabytes_is_refused_unread(tmp_path: Path) -> None:
    fleet = write_fleet(tmp_path, {"plans/basic.yaml": BASIC_PLAN})
    with (fleet / "plans" / "huge.yaml").open("wb") as handle:
        handle.write(b"description: " + b"x" * (5 * 1024 * 1024) + b"\n")
    assert load_errors(fleet) == [
        "plans/huge.yaml:1:1: file is 5242894 bytes; a fleet file may be at most 1MiB "
        "(1048576 bytes)"
    ]


def test_a_file_just_under_the_size_limit_is_read(tmp_path: Path) -> None:
    padding = "#" * (MAX_FILE_BYTES - 100) + "\n"
    fleet = write_fleet(tmp_path, {"plans/basic.yaml": padding + BASIC_PLAN})
    assert load_errors(fleet) == []


def test_a_symlink_out_of_the_fleet_directory_is_refused(tmp_path: Path) -> None:
    secret = write_fleet(tmp_path / "elsewhere", {"secret.yaml": "plan: basic\n"})
    fleet = write_fleet(tmp_path / "fleet", {"plans/basic.yaml": BASIC_PLAN})
    (fleet / "tenants").mkdir()
    (fleet / "tenants" / "acme.yaml").symlink_to(secret / "secret.yaml")
    assert load_errors(fleet) == [
        "tenants/acme.yaml:1:1: symlink points outside the fleet directory"
    ]


def test_a_folder_symlinked_out_of_the_fleet_directory_is_refused(tmp_path: Path) -> None:
    other = write_fleet(tmp_path / "other", {"plans/basic.yaml": BASIC_PLAN})
    fleet = tmp_path / "fleet"
    fleet.mkdir()
    (fleet / "plans").symlink_to(other / "plans")
    assert load_errors(fleet) == ["plans: symlink points outside the fleet directory"]


def test_a_symlink_within_the_fleet_directory_is_followed(tmp_path: Path) -> None:
    fleet = write_fleet(
        tmp_path, {"plans/basic.yaml": BASIC_PLAN, "shared/acme.yaml": "plan: basic\n"}
    )
    (fleet / "tenants").mkdir()
    (fleet / "tenants" / "acme.yaml").symlink_to(Path("..") / "shared" / "acme.yaml")
    result = load_fleet(fleet)
    assert result.fleet is not None
    assert list(result.fleet.tenants) == ["acme"]


def test_broken_and_looping_symlinks_are_reported(tmp_path: Path) -> None:
    fleet = write_fleet(tmp_path, {"plans/basic.yaml": BASIC_PLAN})
    (fleet / "tenants").mkdir()
    (fleet / "tenants" / "gone.yaml").symlink_to("missing.yaml")
    (fleet / "tenants" / "loop.yaml").symlink_to("loop.yaml")
    assert load_errors(fleet) == [
        "tenants/gone.yaml:1:1: broken or looping symlink (to missing.yaml)",
        "tenants/loop.yaml:1:1: broken or looping symlink (to loop.yaml)",
    ]


def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fleet = write_fleet(tmp_path, {"plans/basic.yaml": BASIC_PLAN})
    (fleet / "tenants").mkdir()
    os.mkfifo(fleet / "tenants" / "acme.yaml")  # opening it for reading would wait forever
    assert load_errors(fleet) == [
        "tenants/acme.yaml:1:1: not a regular file; only plain files are read"
    ]


def test_a_directory_named_like_a_yaml_file_is_refused(tmp_path: Path) -> None:
    fleet = write_fleet(tmp_path, {"plans/basic.yaml": BASIC_PLAN})
    (fleet / "tenants" / "acme.yaml").mkdir(parents=True)
    assert load_errors(fleet) == [
        "tenants/acme.yaml:1:1: not a regular file; only plain files are read"
    ]


def test_a_utf8_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    fleet = write_fleet(
        tmp_path,
        {"plans/basic.yaml": BASIC_PLAN, "tenants/acme.yaml": b"\xef\xbb\xbfplan: basic\n"},
    )
    assert load_errors(fleet) == []


def test_control_characters_in_file_names_are_escaped_in_messages(tmp_path: Path) -> None:
    fleet = write_fleet(
        tmp_path, {"plans/basic.yaml": BASIC_PLAN, "tenants/a\x1b[31mb.yaml": "plan: basic\n"}
    )
    assert load_errors(fleet) == [
        "tenants/a\\x1b[31mb.yaml:1:1: file name 'a\\x1b[31mb' is not a valid tenant id: "
        "use lowercase letters, digits and hyphens, 1 to 63 characters, starting with a letter"
    ]


def test_a_plan_file_name_with_control_characters_is_escaped_where_a_tenant_names_it(
    tmp_path: Path,
) -> None:
    fleet = write_fleet(
        tmp_path, {"plans/e\x1b[31mvil.yaml": BASIC_PLAN, "tenants/acme.yaml": "plan: evil\n"}
    )
    assert load_errors(fleet) == [
        "plans/e\\x1b[31mvil.yaml:1:1: file name 'e\\x1b[31mvil' is not a valid plan name: "
        "use lowercase letters, digits and hyphens, 1 to 63 characters, starting with a letter",
        "tenants/acme.yaml:1:7: plan: no plan named 'evil' in plans/; did you mean "
        "'e\\x1b[31mvil'? (plans: e\\x1b[31mvil)",
    ]


def test_a_tenant_file_name_with_control_characters_is_escaped_where_another_names_it(
    tmp_path: Path,
) -> None:
    files = {
        "plans/basic.yaml": BASIC_PLAN,
        "tenants/a\x1b[2J.yaml": "plan: basic\nproject_id: p-1\n",
        "tenants/globex.yaml": "plan: basic\nproject_id: p-1\n",
    }
    assert load_errors(write_fleet(tmp_path, files))[1] == (
        "tenants/globex.yaml:2:13: project_id: project 'p-1' is already bound to tenant "
        "'a\\x1b[2J' (tenants/a\\x1b[2J.yaml); a project belongs to one tenant"
    )


def test_windows_line_endings_are_read_with_the_same_positions(tmp_path: Path) -> None:
    fleet = write_fleet(
        tmp_path,
        {
            "plans/basic.yaml": b"description: x\r\ncompute:\r\n  max_cu: 3.5\r\n",
            "tenants/acme.yaml": b"plan: basic\r\n",
        },
    )
    assert load_errors(fleet) == [
        "plans/basic.yaml:3:11: compute.max_cu: 3.5 is not a Neon compute size; use 0.25, 0.5, "
        "1 to 16 in steps of 1, or 18 to 56 in steps of 2"
    ]
