"""JSON Schemas of the fleet files, for editors (yaml-language-server) and other tools.

Generated from the same pydantic models that validation uses, so the two cannot disagree on
which keys exist. The schema checks shapes, units and enumerations; rules that need more than
one value (autoscaling range, plan references) are only checked by `tenantctl validate`.
Output is deterministic (sorted keys) so the committed copies in schema/ can be compared.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel

from controller.spec.documents import PlanFile, SettingsFile, TenantFile

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"

SCHEMA_KINDS: dict[str, tuple[type[BaseModel], str]] = {
    "plan": (PlanFile, "tenantctl pricing plan (plans/<name>.yaml)"),
    "tenant": (TenantFile, "tenantctl tenant (tenants/<id>.yaml)"),
    "fleet": (SettingsFile, "tenantctl fleet settings (tenantctl.yaml)"),
}


def json_schema(kind: str) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of one kind of file: `plan`, `tenant` or `fleet`."""
    model, title = SCHEMA_KINDS[kind]
    schema = _tidy(model.model_json_schema(mode="validation"))
    return {"$schema": JSON_SCHEMA_DIALECT, **schema, "title": title}


def render_schema(kind: str) -> str:
    """`json_schema(kind)` as the text `tenantctl schema --kind KIND` prints and schema/ holds;
    `all` gives one object keyed by kind."""
    if kind == "all":
        document: dict[str, Any] = {name: json_schema(name) for name in SCHEMA_KINDS}
    else:
        document = json_schema(kind)
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _tidy(node: Any) -> Any:
    """Drop what pydantic adds that misleads editors: `default: null` on optional keys,
    defaults of whole blocks, and titles derived from Python names."""
    if isinstance(node, list):
        return [_tidy(item) for item in node]
    if not isinstance(node, dict):
        return node
    tidy: dict[str, Any] = {}
    for key, value in node.items():
        if key == "properties":
            tidy[key] = {name: _tidy(_drop_noise(prop)) for name, prop in value.items()}
        elif key == "$defs":
            tidy[key] = {name: _tidy(definition) for name, definition in value.items()}
        else:
            tidy[key] = _tidy(value)
    return tidy


def _drop_noise(prop: dict[str, Any]) -> dict[str, Any]:
    noisy_default = "default" in prop and (
        prop["default"] is None or isinstance(prop["default"], dict)
    )
    return {
        key: value
        for key, value in prop.items()
        if key != "title" and not (key == "default" and noisy_default)
    }
