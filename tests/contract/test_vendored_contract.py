"""The vendored contract `contract/neon-api-v2.json` is the real, complete, untampered one."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openapi_spec_validator import OpenAPIV30SpecValidator, validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

REPO = Path(__file__).resolve().parents[2]
CONTRACT = REPO / "contract" / "neon-api-v2.json"
PROVENANCE = REPO / "contract" / "PROVENANCE.md"

# The operations tenantctl and the official clients' basic flows use, written out here
# independently of the script.
EXPECTED_OPERATIONS = {
    ("GET", "/projects"),
    ("POST", "/projects"),
    ("GET", "/projects/{project_id}"),
    ("PATCH", "/projects/{project_id}"),
    ("DELETE", "/projects/{project_id}"),
    ("POST", "/projects/{project_id}/recover"),
    ("GET", "/projects/{project_id}/branches"),
    ("POST", "/projects/{project_id}/branches"),
    ("GET", "/projects/{project_id}/branches/{branch_id}"),
    ("GET", "/projects/{project_id}/branches/{branch_id}/databases"),
    ("POST", "/projects/{project_id}/branches/{branch_id}/databases"),
    ("GET", "/projects/{project_id}/branches/{branch_id}/roles"),
    ("POST", "/projects/{project_id}/branches/{branch_id}/roles"),
    ("GET", "/projects/{project_id}/branches/{branch_id}/roles/{role_name}/reveal_password"),
    ("GET", "/projects/{project_id}/branches/{branch_id}/endpoints"),
    ("GET", "/projects/{project_id}/endpoints"),
    ("POST", "/projects/{project_id}/endpoints"),
    ("GET", "/projects/{project_id}/endpoints/{endpoint_id}"),
    ("PATCH", "/projects/{project_id}/endpoints/{endpoint_id}"),
    ("DELETE", "/projects/{project_id}/endpoints/{endpoint_id}"),
    ("POST", "/projects/{project_id}/endpoints/{endpoint_id}/start"),
    ("POST", "/projects/{project_id}/endpoints/{endpoint_id}/suspend"),
    ("GET", "/projects/{project_id}/connection_uri"),
    ("GET", "/projects/{project_id}/operations"),
    ("GET", "/projects/{project_id}/operations/{operation_id}"),
    ("GET", "/consumption_history/projects"),
    ("GET", "/consumption_history/v2/projects"),
    ("GET", "/consumption_history/v2/branches"),
    ("GET", "/regions"),
    # Reads of Neon's official clients (neonctl, the API clients) in their basic flows.
    ("GET", "/projects/shared"),
    ("GET", "/users/me"),
    ("GET", "/users/me/organizations"),
    ("GET", "/organizations/{org_id}"),
    ("GET", "/auth"),
}
STRIPPED = {"description", "summary", "example", "examples", "tags", "externalDocs"}
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(CONTRACT.read_text(encoding="utf-8"))
    return loaded


def operations(document: dict[str, Any]) -> set[tuple[str, str]]:
    return {
        (method.upper(), path)
        for path, item in document["paths"].items()
        for method in item
        if method in HTTP_METHODS
    }


def keyword_sites(node: Any, where: str = "$") -> Iterator[str]:
    """JSON paths of annotation keywords; a `properties` map holds names, not keywords."""
    if isinstance(node, list):
        for index, item in enumerate(node):
            yield from keyword_sites(item, f"{where}[{index}]")
    elif isinstance(node, dict):
        for key, value in node.items():
            if key == "properties" and isinstance(value, dict):
                for name, schema in value.items():
                    yield from keyword_sites(schema, f"{where}.properties.{name}")
                continue
            if key in STRIPPED and not (key == "description" and value == ""):
                yield f"{where}.{key}"
            yield from keyword_sites(value, f"{where}.{key}")


def test_is_a_valid_openapi_3_0_document(document: dict[str, Any]) -> None:
    assert document["openapi"].startswith("3.0.")
    validate(document, cls=OpenAPIV30SpecValidator)  # raises, naming the failing part


def test_the_validity_check_catches_a_broken_document(document: dict[str, Any]) -> None:
    broken = json.loads(json.dumps(document))
    del broken["components"]["responses"]["GeneralError"]["description"]
    with pytest.raises(OpenAPIValidationError, match="GeneralError"):
        validate(broken, cls=OpenAPIV30SpecValidator)


def test_contains_exactly_the_operations_tenantctl_uses(document: dict[str, Any]) -> None:
    assert operations(document) == EXPECTED_OPERATIONS


def test_keeps_server_security_and_path_level_parameters(document: dict[str, Any]) -> None:
    assert document["servers"] == [{"url": "https://console.neon.tech/api/v2"}]
    assert {"BearerAuth": []} in document["security"]
    assert document["components"]["securitySchemes"]["BearerAuth"] == {
        "scheme": "bearer",
        "type": "http",
    }
    project_id = document["paths"]["/projects/{project_id}"]["parameters"][0]
    assert project_id["name"] == "project_id"
    assert project_id["schema"]["pattern"] == "^[a-z0-9-]{1,60}$"


def test_has_no_annotation_keywords_left(document: dict[str, Any]) -> None:
    assert list(keyword_sites(document)) == []


def test_keeps_structural_keywords_and_required_descriptions(document: dict[str, Any]) -> None:
    # Response objects must keep `description` (required by OpenAPI 3.0): emptied, not removed.
    general_error = document["components"]["responses"]["GeneralError"]
    assert general_error["description"] == ""
    # Structural keywords survive stripping: formats, bounds, enums, compositions.
    schemas = document["components"]["schemas"]
    assert schemas["Project"]["properties"]["created_at"]["format"] == "date-time"
    assert schemas["ComputeUnit"] == {"minimum": 0.25, "type": "number"}
    assert "CAN_MANAGE" in schemas["ProjectPermissionLevel"]["enum"]
    created = document["components"]["responses"]["CreatedProject"]
    assert len(created["content"]["application/json"]["schema"]["allOf"]) == 7


def test_every_reference_resolves(document: dict[str, Any]) -> None:
    text = json.dumps(document)
    refs = set(re.findall(r'"\$ref": "#/components/(\w+)/(\w+)"', text))
    assert refs, "the contract should use $refs"
    missing = {(kind, name) for kind, name in refs if name not in document["components"][kind]}
    assert missing == set()


def test_sha256_matches_provenance() -> None:
    provenance = PROVENANCE.read_text(encoding="utf-8")
    recorded = re.search(r"sha256 of the output `neon-api-v2.json`: `([0-9a-f]{64})`", provenance)
    assert recorded is not None, "PROVENANCE.md must state the output sha256"
    assert hashlib.sha256(CONTRACT.read_bytes()).hexdigest() == recorded.group(1)


def test_provenance_names_upstream_and_lists_kept_operations() -> None:
    provenance = PROVENANCE.read_text(encoding="utf-8")
    assert "`@neondatabase/api-client` version `2.7.3`" in provenance
    assert "`public-v2-for-users.gen.yaml`" in provenance
    assert "dacf72ea2d63110b3694c705313e0b2104e9652ae1be3fc01ceebe7b17059c44" in provenance
    listed = set(re.findall(r"^- `([A-Z]+) (/\S*)`$", provenance, flags=re.MULTILINE))
    assert listed == EXPECTED_OPERATIONS


def test_is_stored_in_canonical_form(document: dict[str, Any]) -> None:
    canonical = json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    assert CONTRACT.read_text(encoding="utf-8") == canonical
