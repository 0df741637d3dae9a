#!/usr/bin/env python3
"""Reduce Neon's published OpenAPI document to the contract tenantctl is tested against.

Why this exists: the upstream document (`public-v2-for-users.gen.yaml` from the npm package
`@neondatabase/api-client`, converted to JSON) is over half a megabyte and covers ~160 operations,
most of which tenantctl never calls. The tests validate every request and response of the client
and the emulator against Neon's REAL contract, so we vendor only the operations we use, with every
component they reference transitively, and drop documentation-only keywords. What is left is the
structural contract (types, formats, enums, bounds, patterns, required fields, compositions), is
small enough to review in a diff, and is byte-for-byte reproducible from the upstream file.

Usage:
    python scripts/vendor_contract.py SOURCE_JSON [--out contract/neon-api-v2.json]
        [--provenance contract/PROVENANCE.md]

The provenance of the upstream file (package, version, file name, sha256 of the upstream YAML) is
read from the `SOURCE.md` next to SOURCE_JSON; each of them can be given explicitly instead.

Stripping rules: the annotation keywords `description`, `summary`, `example`, `examples`, `tags`
and `externalDocs` are removed wherever they are keywords (a schema property NAMED `description`
stays). A Response object's `description` is required by OpenAPI 3.0, so it is kept as `""`.
The top-level `x-readme` (ReadMe.io rendering settings) and `info.description` are dropped;
`x-*` extensions elsewhere (e.g. `x-sensitive`) are kept as they are.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

JSON = Any
Walker = Callable[[JSON], JSON]

KEPT_OPERATIONS: tuple[tuple[str, str], ...] = (
    ("get", "/projects"),
    ("post", "/projects"),
    ("get", "/projects/{project_id}"),
    ("patch", "/projects/{project_id}"),
    ("delete", "/projects/{project_id}"),
    ("post", "/projects/{project_id}/recover"),
    ("get", "/projects/{project_id}/branches"),
    ("post", "/projects/{project_id}/branches"),
    ("get", "/projects/{project_id}/branches/{branch_id}"),
    ("get", "/projects/{project_id}/branches/{branch_id}/databases"),
    ("post", "/projects/{project_id}/branches/{branch_id}/databases"),
    ("get", "/projects/{project_id}/branches/{branch_id}/roles"),
    ("post", "/projects/{project_id}/branches/{branch_id}/roles"),
    ("get", "/projects/{project_id}/branches/{branch_id}/roles/{role_name}/reveal_password"),
    ("get", "/projects/{project_id}/branches/{branch_id}/endpoints"),
    ("get", "/projects/{project_id}/endpoints"),
    ("post", "/projects/{project_id}/endpoints"),
    ("get", "/projects/{project_id}/endpoints/{endpoint_id}"),
    ("patch", "/projects/{project_id}/endpoints/{endpoint_id}"),
    ("delete", "/projects/{project_id}/endpoints/{endpoint_id}"),
    ("post", "/projects/{project_id}/endpoints/{endpoint_id}/start"),
    ("post", "/projects/{project_id}/endpoints/{endpoint_id}/suspend"),
    ("get", "/projects/{project_id}/connection_uri"),
    ("get", "/projects/{project_id}/operations"),
    ("get", "/projects/{project_id}/operations/{operation_id}"),
    ("get", "/consumption_history/projects"),
    ("get", "/consumption_history/v2/projects"),
    ("get", "/consumption_history/v2/branches"),
    ("get", "/regions"),
    # What Neon's official clients (neonctl, the API clients) read in their basic flows.
    ("get", "/projects/shared"),
    ("get", "/users/me"),
    ("get", "/users/me/organizations"),
    ("get", "/organizations/{org_id}"),
    ("get", "/auth"),
)

STRIPPED_KEYWORDS = frozenset(
    {"description", "summary", "example", "examples", "tags", "externalDocs"}
)
HTTP_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})
COMPONENT_SECTIONS = ("schemas", "parameters", "responses", "requestBodies", "headers")
REF_PREFIX = "#/components/"


class VendorError(Exception):
    """The source document cannot be reduced as asked (missing operation, dangling $ref...)."""


# --- stripping: walk the document knowing which object each value is ---------------------------


def _strip(obj: Mapping[str, JSON], children: Mapping[str, Walker]) -> dict[str, JSON]:
    """Drop annotation keywords of one object; hand known children to their own walker."""
    out: dict[str, JSON] = {}
    for key, value in obj.items():
        if key in STRIPPED_KEYWORDS:
            continue
        walker = children.get(key)
        out[key] = walker(value) if walker else value
    return out


def _each_value(walker: Walker) -> Walker:
    return lambda mapping: {name: walker(item) for name, item in mapping.items()}


def _each_item(walker: Walker) -> Walker:
    return lambda items: [walker(item) for item in items]


def strip_schema(schema: JSON) -> JSON:
    """A Schema object: `properties` holds NAMES (kept as they are) mapped to sub-schemas."""
    if not isinstance(schema, Mapping):
        return schema  # e.g. `additionalProperties: true`
    return _strip(
        schema,
        {
            "properties": _each_value(strip_schema),
            "items": strip_schema,
            "additionalProperties": strip_schema,
            "not": strip_schema,
            "allOf": _each_item(strip_schema),
            "oneOf": _each_item(strip_schema),
            "anyOf": _each_item(strip_schema),
        },
    )


def strip_media_type(media: JSON) -> JSON:
    return _strip(media, {"schema": strip_schema})


def strip_parameter(parameter: JSON) -> JSON:
    """A Parameter or Header object (the two share their structure)."""
    return _strip(parameter, {"schema": strip_schema, "content": _each_value(strip_media_type)})


def strip_request_body(body: JSON) -> JSON:
    return _strip(body, {"content": _each_value(strip_media_type)})


def strip_response(response: JSON) -> JSON:
    children = {"content": _each_value(strip_media_type), "headers": _each_value(strip_parameter)}
    out = _strip(response, children)
    if "$ref" not in out:
        out["description"] = ""  # required by OpenAPI 3.0; its text is documentation
    return out


def strip_operation(operation: JSON) -> JSON:
    return _strip(
        operation,
        {
            "parameters": _each_item(strip_parameter),
            "requestBody": strip_request_body,
            "responses": _each_value(strip_response),
        },
    )


def strip_security_scheme(scheme: JSON) -> JSON:
    return _strip(scheme, {})


COMPONENT_WALKERS: dict[str, Walker] = {
    "schemas": strip_schema,
    "parameters": strip_parameter,
    "responses": strip_response,
    "requestBodies": strip_request_body,
    "headers": strip_parameter,
}


# --- selection: kept operations and the components they reach ----------------------------------


def iter_refs(value: JSON) -> Iterator[str]:
    """Every local `$ref` string anywhere inside `value`."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            if key == "$ref" and isinstance(item, str):
                yield item
            else:
                yield from iter_refs(item)
    elif isinstance(value, list):
        for item in value:
            yield from iter_refs(item)


def _parse_ref(ref: str) -> tuple[str, str]:
    if not ref.startswith(REF_PREFIX):
        raise VendorError(f"unsupported $ref {ref!r}: only local #/components/ refs are handled")
    section, _, name = ref[len(REF_PREFIX) :].partition("/")
    if section not in COMPONENT_SECTIONS or not name or "/" in name:
        raise VendorError(f"unsupported $ref {ref!r}")
    return section, name


def select_paths(
    paths: Mapping[str, JSON], kept: Iterable[tuple[str, str]]
) -> dict[str, dict[str, JSON]]:
    """The kept operations, grouped by path, with each path's shared `parameters`."""
    selected: dict[str, dict[str, JSON]] = {}
    for method, path in kept:
        item = paths.get(path)
        if item is None or method not in item:
            raise VendorError(f"operation {method.upper()} {path} is not in the source document")
        entry = selected.setdefault(path, {})
        if "parameters" in item:
            entry["parameters"] = [strip_parameter(p) for p in item["parameters"]]
        entry[method] = strip_operation(item[method])
    return selected


def collect_components(
    components: Mapping[str, Mapping[str, JSON]], roots: JSON
) -> dict[str, dict[str, JSON]]:
    """Every component reachable from `roots` through `$ref`s, stripped, by section."""
    found: dict[str, dict[str, JSON]] = {}
    pending = list(iter_refs(roots))
    while pending:
        section, name = _parse_ref(pending.pop())
        if name in found.get(section, {}):
            continue
        try:
            raw = components[section][name]
        except KeyError:
            raise VendorError(f"dangling $ref #/components/{section}/{name}") from None
        stripped = COMPONENT_WALKERS[section](raw)
        found.setdefault(section, {})[name] = stripped
        pending.extend(iter_refs(stripped))
    return found


def reduce_document(
    source: Mapping[str, JSON], kept: Iterable[tuple[str, str]] = KEPT_OPERATIONS
) -> dict[str, JSON]:
    """The reduced, stripped contract for the `kept` (method, path) operations."""
    absent = [key for key in ("openapi", "info", "servers", "paths") if key not in source]
    if absent:
        raise VendorError(f"not an OpenAPI document: no {', '.join(absent)}")
    paths = select_paths(source["paths"], kept)
    components = source.get("components", {})
    reduced_components: dict[str, JSON] = collect_components(components, paths)
    schemes = components.get("securitySchemes", {})
    reduced_components["securitySchemes"] = {
        name: strip_security_scheme(scheme) for name, scheme in schemes.items()
    }
    info = source["info"]
    document: dict[str, JSON] = {
        "openapi": source["openapi"],
        "info": {"title": info["title"], "version": info["version"]},
        "servers": source["servers"],
        "paths": paths,
        "components": reduced_components,
    }
    if "security" in source:
        document["security"] = source["security"]
    return document


def render(document: JSON) -> bytes:
    """Deterministic bytes: sorted keys, two-space indent, UTF-8, trailing newline."""
    return (json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()


# --- provenance ---------------------------------------------------------------------------------


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_upstream_facts(source_md: Path) -> dict[str, str]:
    """Package, version, file name and YAML sha256 as stated in the source's SOURCE.md."""
    text = source_md.read_text(encoding="utf-8") if source_md.is_file() else ""
    patterns = {
        "package": r"`(@[\w.-]+/[\w.-]+)@\d[\w.-]*`",
        "version": r"`@[\w.-]+/[\w.-]+@(\d[\w.-]*)`",
        "file": r"document `([\w.-]+\.ya?ml)`",
        "yaml_sha256": r"sha256 of the YAML: ([0-9a-f]{64})",
    }
    facts = {}
    for key, pattern in patterns.items():
        match = re.search(pattern, text)
        if match:
            facts[key] = match.group(1)
    return facts


PROVENANCE_TEMPLATE = """\
# Provenance of `neon-api-v2.json`

Neon's real API v2 contract, reduced to the operations tenantctl uses by
`scripts/vendor_contract.py` (see its docstring for the stripping rules). Do not edit by hand:
re-run the command below.

- Upstream package: `{package}` version `{version}` (npm)
- Upstream file: `{file}`
- sha256 of the upstream YAML: `{yaml_sha256}`
- sha256 of the JSON input (the YAML converted to JSON, no content changes): `{input_sha256}`
- sha256 of the output `neon-api-v2.json`: `{output_sha256}`
- Command: `{command}`

## Kept operations ({count})

{operations}
"""
UPSTREAM_FACTS = ("package", "version", "file", "yaml_sha256")


def render_provenance(
    facts: Mapping[str, str], command: str, kept: Sequence[tuple[str, str]]
) -> str:
    operations = "\n".join(f"- `{method.upper()} {path}`" for method, path in kept)
    return PROVENANCE_TEMPLATE.format(
        **facts, command=command, count=len(kept), operations=operations
    )


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", type=Path, metavar="SOURCE_JSON")
    parser.add_argument("--out", type=Path, default=Path("contract/neon-api-v2.json"))
    parser.add_argument("--provenance", type=Path, help="default: PROVENANCE.md next to --out")
    parser.add_argument("--package", help="upstream npm package (default: from SOURCE.md)")
    parser.add_argument("--version", help="upstream package version (default: from SOURCE.md)")
    parser.add_argument("--file", help="upstream file name (default: from SOURCE.md)")
    parser.add_argument("--yaml-sha256", help="sha256 of the upstream YAML (default: SOURCE.md)")
    return parser.parse_args(argv)


def _command_line(args: argparse.Namespace) -> str:
    command = f"python scripts/vendor_contract.py {args.source} --out {args.out}"
    if args.provenance is not None:
        command += f" --provenance {args.provenance}"
    for option in UPSTREAM_FACTS:
        if getattr(args, option) is not None:
            command += f" --{option.replace('_', '-')} {getattr(args, option)}"
    return command


def _upstream_facts(args: argparse.Namespace) -> dict[str, str]:
    """SOURCE.md next to the input, overridden by the command line; all four are required."""
    facts = read_upstream_facts(args.source.with_name("SOURCE.md"))
    facts.update({key: getattr(args, key) for key in UPSTREAM_FACTS if getattr(args, key)})
    missing = [f"--{key.replace('_', '-')}" for key in UPSTREAM_FACTS if key not in facts]
    if missing:
        raise VendorError(f"upstream facts unknown (no SOURCE.md next to it?): pass {missing}")
    return facts


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        raw = args.source.read_bytes()
        document = reduce_document(json.loads(raw))
        facts = _upstream_facts(args)
    except (OSError, json.JSONDecodeError, VendorError) as error:
        print(f"vendor_contract: {args.source}: {error}", file=sys.stderr)
        return 1
    output = render(document)
    facts |= {"input_sha256": sha256_hex(raw), "output_sha256": sha256_hex(output)}
    provenance = args.provenance or args.out.with_name("PROVENANCE.md")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(output)
    provenance.write_text(render_provenance(facts, _command_line(args), KEPT_OPERATIONS))
    print(f"wrote {args.out} ({len(output)} bytes) and {provenance}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
