"""scripts/vendor_contract.py: reduction, keyword stripping, determinism and provenance.

The real upstream document lives outside the repository, so the end-to-end runs use the vendored
contract itself as input: reducing an already reduced contract must change nothing.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import random
import re
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
CONTRACT = REPO / "contract" / "neon-api-v2.json"
SOURCE_MD = """# Source of openapi-v2.json
- `openapi-v2.json`: the OpenAPI 3.0.3 document `public-v2-for-users.gen.yaml` shipped inside the
npm package `@neondatabase/api-client@2.7.3` (...) (sha256 of the YAML: {sha}).
"""


@pytest.fixture(scope="module")
def vendor() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "vendor_contract", REPO / "scripts" / "vendor_contract.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses and annotations resolve through sys.modules
    spec.loader.exec_module(module)
    return module


def mini_source() -> dict[str, Any]:
    user = {
        "type": "object",
        "description": "A user.",
        "example": {"description": "x"},
        "required": ["description"],
        "properties": {
            "description": {"type": "string", "description": "The user's own description."},
            "example": {"$ref": "#/components/schemas/Tag"},
            "id": {"type": "integer", "format": "int64", "minimum": 1},
        },
    }
    return {
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "v2", "description": "long text"},
        "servers": [{"url": "https://example.test/api/v2"}],
        "security": [{"Bearer": []}],
        "tags": [{"name": "Users"}],
        "x-readme": {"samples": True},
        "paths": {
            "/users/{id}": {
                "parameters": [{"$ref": "#/components/parameters/Id"}],
                "get": {
                    "summary": "Get",
                    "tags": ["Users"],
                    "operationId": "getUser",
                    "responses": {
                        "200": {
                            "description": "OK",
                            "headers": {"X-Rate": {"$ref": "#/components/headers/Rate"}},
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/User"},
                                    "examples": {"one": {"value": {}}},
                                }
                            },
                        },
                        "default": {"$ref": "#/components/responses/Error"},
                    },
                },
                "delete": {"operationId": "deleteUser", "responses": {"204": {"description": "x"}}},
            },
            "/other": {"get": {"responses": {"200": {"$ref": "#/components/responses/Unused"}}}},
        },
        "components": {
            "schemas": {"User": user, "Tag": {"type": "string", "enum": ["a", "b"]}, "Orphan": {}},
            "parameters": {
                "Id": {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
            },
            "headers": {"Rate": {"schema": {"type": "integer"}, "description": "per minute"}},
            "responses": {
                "Error": {"description": "Error", "content": {}},
                "Unused": {"description": "no"},
            },
            "securitySchemes": {"Bearer": {"type": "http", "scheme": "bearer", "description": "k"}},
        },
    }


KEPT = (("get", "/users/{id}"),)


def test_keeps_only_kept_operations_and_what_they_reference(vendor: ModuleType) -> None:
    reduced = vendor.reduce_document(mini_source(), KEPT)
    assert list(reduced["paths"]) == ["/users/{id}"]
    assert set(reduced["paths"]["/users/{id}"]) == {"parameters", "get"}
    components = reduced["components"]
    assert set(components["schemas"]) == {"User", "Tag"}  # Tag only through User.example
    assert set(components["parameters"]) == {"Id"}  # from the path-level parameters
    assert set(components["headers"]) == {"Rate"}
    assert set(components["responses"]) == {"Error"}
    assert set(components["securitySchemes"]) == {"Bearer"}
    assert reduced["security"] == [{"Bearer": []}]
    assert reduced["servers"] == [{"url": "https://example.test/api/v2"}]
    assert reduced["info"] == {"title": "t", "version": "v2"}
    assert "tags" not in reduced
    assert "x-readme" not in reduced


def test_strips_keywords_but_never_properties_of_that_name(vendor: ModuleType) -> None:
    user = vendor.reduce_document(mini_source(), KEPT)["components"]["schemas"]["User"]
    assert user == {
        "type": "object",
        "required": ["description"],
        "properties": {
            "description": {"type": "string"},
            "example": {"$ref": "#/components/schemas/Tag"},
            "id": {"type": "integer", "format": "int64", "minimum": 1},
        },
    }


def test_response_descriptions_are_emptied_not_removed(vendor: ModuleType) -> None:
    reduced = vendor.reduce_document(mini_source(), KEPT)
    ok = reduced["paths"]["/users/{id}"]["get"]["responses"]["200"]
    assert ok["description"] == ""
    assert "examples" not in ok["content"]["application/json"]
    assert reduced["components"]["responses"]["Error"]["description"] == ""
    assert reduced["components"]["headers"]["Rate"] == {"schema": {"type": "integer"}}
    assert reduced["components"]["securitySchemes"]["Bearer"] == {
        "type": "http",
        "scheme": "bearer",
    }


def test_missing_operation_is_named(vendor: ModuleType) -> None:
    with pytest.raises(vendor.VendorError, match=r"operation POST /users/\{id\} is not in"):
        vendor.reduce_document(mini_source(), (("post", "/users/{id}"),))


def test_dangling_reference_is_named(vendor: ModuleType) -> None:
    source = mini_source()
    del source["components"]["schemas"]["Tag"]
    with pytest.raises(vendor.VendorError, match="dangling \\$ref #/components/schemas/Tag"):
        vendor.reduce_document(source, KEPT)


def test_not_an_openapi_document(vendor: ModuleType) -> None:
    with pytest.raises(vendor.VendorError, match="not an OpenAPI document: no servers, paths"):
        vendor.reduce_document({"openapi": "3.0.3", "info": {}}, KEPT)


def shuffled(value: Any, rng: random.Random) -> Any:
    if isinstance(value, dict):
        items = list(value.items())
        rng.shuffle(items)
        return {key: shuffled(item, rng) for key, item in items}
    if isinstance(value, list):
        return [shuffled(item, rng) for item in value]
    return value


def test_output_bytes_do_not_depend_on_input_key_order(vendor: ModuleType) -> None:
    expected = vendor.render(vendor.reduce_document(mini_source(), KEPT))
    for seed in range(5):
        source = shuffled(mini_source(), random.Random(seed))
        assert vendor.render(vendor.reduce_document(source, KEPT)) == expected


def test_vendored_contract_is_a_fixed_point(vendor: ModuleType) -> None:
    vendored = json.loads(CONTRACT.read_text(encoding="utf-8"))
    assert vendor.render(vendor.reduce_document(vendored)) == CONTRACT.read_bytes()


def run_script(vendor: ModuleType, tmp_path: Path, *extra: str) -> tuple[int, Path, Path]:
    out = tmp_path / "out" / "neon-api-v2.json"
    code = vendor.main([str(tmp_path / "openapi-v2.json"), "--out", str(out), *extra])
    return code, out, out.with_name("PROVENANCE.md")


def test_script_writes_contract_and_provenance(vendor: ModuleType, tmp_path: Path) -> None:
    (tmp_path / "openapi-v2.json").write_bytes(CONTRACT.read_bytes())
    (tmp_path / "SOURCE.md").write_text(SOURCE_MD.format(sha="ab" * 32), encoding="utf-8")
    code, out, provenance = run_script(vendor, tmp_path)
    assert code == 0
    assert out.read_bytes() == CONTRACT.read_bytes()
    text = provenance.read_text(encoding="utf-8")
    digest = hashlib.sha256(out.read_bytes()).hexdigest()
    assert f"- sha256 of the output `neon-api-v2.json`: `{digest}`" in text
    assert (
        f"- sha256 of the JSON input (the YAML converted to JSON, no content changes): `{digest}`"
        in text
    )
    assert "- Upstream package: `@neondatabase/api-client` version `2.7.3` (npm)" in text
    assert "- Upstream file: `public-v2-for-users.gen.yaml`" in text
    assert f"- sha256 of the upstream YAML: `{'ab' * 32}`" in text
    assert "## Kept operations (34)" in text
    assert len(re.findall(r"^- `(GET|POST|PATCH|DELETE) /", text, flags=re.MULTILINE)) == 34
    first = provenance.read_bytes()
    assert run_script(vendor, tmp_path)[0] == 0
    assert provenance.read_bytes() == first  # re-running gives identical bytes


def test_script_needs_the_upstream_facts(
    vendor: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "openapi-v2.json").write_bytes(CONTRACT.read_bytes())
    code, out, _ = run_script(vendor, tmp_path, "--package", "@neondatabase/api-client")
    assert code == 1
    assert not out.exists()
    assert (
        "upstream facts unknown (no SOURCE.md next to it?): pass ['--version', '--file', "
        "'--yaml-sha256']" in capsys.readouterr().err
    )


def test_script_reports_unreadable_input(
    vendor: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "openapi-v2.json").write_text("{not json", encoding="utf-8")
    assert run_script(vendor, tmp_path)[0] == 1
    error = capsys.readouterr().err
    assert error.startswith(f"vendor_contract: {tmp_path / 'openapi-v2.json'}: Expecting")
