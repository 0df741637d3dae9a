#!/usr/bin/env python3
"""Run Neon's official CLI (`neonctl`, npm) against a fresh emulator and report each flow.

Not a test: a developer tool, run when neonctl is installed (`npm install neonctl` in a scratch
directory outside the repository; never commit node_modules). CI replays the requests neonctl
made, recorded with `--record`, from tests/fixtures/neonctl/ without needing npm
(tests/emulator/test_neonctl_replay.py).

It starts an emulator server on a free port, puts a small recording reverse proxy in front of it
(neonctl talks to the proxy through `--api-host`), runs the basic flows (projects create, list,
get; branches list; connection-string; operations list; me; orgs list), checks each exit code
and output, and prints one line per flow. With `--record DIR` it writes the requests of each
flow, ids replaced by placeholders, with their provenance (neonctl version, date, commands).

    python scripts/check_neonctl.py [--neonctl PATH] [--record tests/fixtures/neonctl]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.support.emulator_process import running_emulator  # noqa: E402
from tests.support.recordings import substitute  # noqa: E402

API_PREFIX = "/api/v2"
API_KEY = "neonctl-check-key"
COMMAND_TIMEOUT = 90.0
MAX_BODY = 1_000_000
JSON_DOC = Any

# What neonctl 5 reads from each answer (its output fields, PROJECT_FIELDS, BRANCH_FIELDS,
# OPERATIONS_FIELDS, ORG_FIELDS, and its branch and connection-string resolution code):
# the replay test checks that the emulator's answer carries these JSON paths. `[]` = each item.
READS: dict[tuple[str, str], list[str]] = {
    ("POST", "/projects"): [
        "project.id",
        "project.name",
        "project.region_id",
        "project.created_at",
        "connection_uris[].connection_uri",
        "branch.id",
        "endpoints[].host",
    ],
    ("GET", "/projects"): [
        "projects[].id",
        "projects[].name",
        "projects[].region_id",
        "projects[].created_at",
    ],
    ("GET", "/projects/shared"): ["projects"],
    ("GET", "/projects/{project_id}"): [
        "project.id",
        "project.name",
        "project.region_id",
        "project.created_at",
    ],
    ("GET", "/projects/{project_id}/branches"): [
        "branches[].id",
        "branches[].name",
        "branches[].default",
        "branches[].current_state",
        "branches[].created_at",
    ],
    ("GET", "/projects/{project_id}/branches/{branch_id}/endpoints"): [
        "endpoints[].id",
        "endpoints[].host",
        "endpoints[].type",
        "endpoints[].branch_id",
    ],
    ("GET", "/projects/{project_id}/branches/{branch_id}/roles"): ["roles[].name"],
    ("GET", "/projects/{project_id}/branches/{branch_id}/databases"): ["databases[].name"],
    ("GET", "/projects/{project_id}/connection_uri"): ["uri"],
    ("GET", "/projects/{project_id}/branches/{branch_id}/roles/{role_name}/reveal_password"): [
        "password"
    ],
    ("GET", "/projects/{project_id}/operations"): [
        "operations[].id",
        "operations[].action",
        "operations[].status",
        "operations[].created_at",
    ],
    ("GET", "/users/me"): ["login", "email", "name", "projects_limit"],
    ("GET", "/users/me/organizations"): ["organizations[].id", "organizations[].name"],
    ("GET", "/auth"): ["account_id", "auth_method"],
}


@dataclass
class Exchange:
    method: str
    path: str  # under /api/v2
    query: list[tuple[str, str]]
    body: JSON_DOC | None
    status: int
    response: JSON_DOC | None


@dataclass
class Recorder:
    upstream: str
    exchanges: list[Exchange] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def take(self) -> list[Exchange]:
        with self.lock:
            taken, self.exchanges = self.exchanges, []
        return taken


def _decode(raw: bytes) -> JSON_DOC | None:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return {"<non-json body>": raw[:200].decode(errors="replace")}


def _handler(recorder: Recorder) -> type[BaseHTTPRequestHandler]:
    class Proxy(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _forward(self) -> None:
            length = min(int(self.headers.get("content-length") or 0), MAX_BODY)
            raw = self.rfile.read(length) if length else b""
            headers = {
                name: value
                for name, value in self.headers.items()
                if name.lower() in {"authorization", "content-type", "accept", "x-request-id"}
            }
            upstream = httpx.request(
                self.command,
                recorder.upstream + self.path,
                content=raw,
                headers=headers,
                timeout=30.0,
                trust_env=False,
            )
            url = urlsplit(self.path)
            with recorder.lock:
                recorder.exchanges.append(
                    Exchange(
                        method=self.command,
                        path=url.path.removeprefix(API_PREFIX) or "/",
                        query=parse_qsl(url.query, keep_blank_values=True),
                        body=_decode(raw),
                        status=upstream.status_code,
                        response=_decode(upstream.content),
                    )
                )
            self.send_response(upstream.status_code)
            for name in ("content-type", "x-neon-ret-request-id", "date"):
                if name in upstream.headers:
                    self.send_header(name, upstream.headers[name])
            self.send_header("content-length", str(len(upstream.content)))
            self.end_headers()
            self.wfile.write(upstream.content)

        do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = _forward

        def log_message(self, format: str, *args: Any) -> None:
            return None

    return Proxy


@contextmanager
def recording_proxy(upstream: str) -> Iterator[tuple[str, Recorder]]:
    """A reverse proxy on a free localhost port; yields its base URL and the recorder."""
    recorder = Recorder(upstream)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(recorder))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", recorder
    finally:
        server.shutdown()
        server.server_close()


# --- the flows -----------------------------------------------------------------------------------


@dataclass
class Flow:
    name: str
    arguments: Callable[[dict[str, str]], list[str]]
    check: Callable[[str, dict[str, str]], str | None]  # a problem with the output, or None


def _json(output: str) -> Any:
    return json.loads(output)


def _check_create(output: str, ids: dict[str, str]) -> str | None:
    created = _json(output)
    project = created.get("project", {})
    if project.get("name") != "neonctl-check":
        return f"unexpected project in output: {project.get('name')!r}"
    ids["project_id"] = project["id"]
    return None


def _check_list(output: str, ids: dict[str, str]) -> str | None:
    listed = _json(output)
    projects = listed.get("projects", listed) if isinstance(listed, dict) else listed
    found = [p for p in projects if p.get("id") == ids["project_id"]]
    return None if found else "the created project is not listed"


def _check_get(output: str, ids: dict[str, str]) -> str | None:
    project = _json(output)
    return None if project.get("id") == ids["project_id"] else "wrong project returned"


def _check_branches(output: str, ids: dict[str, str]) -> str | None:
    branches = _json(output)
    names = [b.get("name") for b in branches]
    return None if "main" in names else f"no main branch among {names}"


def _check_connection_string(output: str, ids: dict[str, str]) -> str | None:
    uri = output.strip()
    if not uri.startswith("postgresql://") or "neondb" not in uri:
        return "not a connection string to neondb"
    return None


def _check_operations(output: str, ids: dict[str, str]) -> str | None:
    operations = _json(output)
    actions = sorted({o.get("action") for o in operations})
    return None if "create_timeline" in actions else f"unexpected operations {actions}"


def _check_me(output: str, ids: dict[str, str]) -> str | None:
    me = _json(output)
    return None if me.get("id") and me.get("email") else "no user id or email"


def _check_orgs(output: str, ids: dict[str, str]) -> str | None:
    orgs = _json(output)
    return None if orgs and all(o.get("id") for o in orgs) else "no organization listed"


FLOWS = (
    Flow(
        "projects create",
        lambda ids: ["projects", "create", "--name", "neonctl-check", "--output", "json"],
        _check_create,
    ),
    Flow("projects list", lambda ids: ["projects", "list", "--output", "json"], _check_list),
    Flow(
        "projects get",
        lambda ids: ["projects", "get", ids["project_id"], "--output", "json"],
        _check_get,
    ),
    Flow(
        "branches list",
        lambda ids: ["branches", "list", "--project-id", ids["project_id"], "--output", "json"],
        _check_branches,
    ),
    Flow(
        "connection-string",
        lambda ids: ["connection-string", "--project-id", ids["project_id"]],
        _check_connection_string,
    ),
    Flow(
        "operations list",
        lambda ids: ["operations", "list", "--project-id", ids["project_id"], "--output", "json"],
        _check_operations,
    ),
    Flow("me", lambda ids: ["me", "--output", "json"], _check_me),
    Flow("orgs list", lambda ids: ["orgs", "list", "--output", "json"], _check_orgs),
)


def _neonctl_version(neonctl: str, env: dict[str, str]) -> str:
    done = subprocess.run(
        [neonctl, "--version"], capture_output=True, text=True, timeout=60, env=env, check=False
    )
    return done.stdout.strip() or "unknown"


def _environment(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEON_", "HTTP", "HTTPS"))}
    env.update(HOME=str(home), NO_COLOR="1", CI="1")
    return env


@dataclass
class FlowResult:
    flow: Flow
    command: list[str]
    returncode: int
    problem: str | None
    exchanges: list[Exchange]


def run_flows(neonctl: str, api_host: str, recorder: Recorder, home: Path) -> list[FlowResult]:
    env = _environment(home)
    base = ["--api-key", API_KEY, "--api-host", api_host, "--no-analytics", "--no-color"]
    base += ["--config-dir", str(home / "config"), "--context-file", str(home / "context.json")]
    ids: dict[str, str] = {}
    results: list[FlowResult] = []
    for flow in FLOWS:
        arguments = flow.arguments(ids)
        done = subprocess.run(
            [neonctl, *arguments, *base],
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT,
            env=env,
            cwd=home,
            check=False,
        )
        problem = None
        if done.returncode != 0:
            problem = f"exit {done.returncode}: {done.stderr.strip()[:300]}"
        else:
            try:
                problem = flow.check(done.stdout, ids)
            except (ValueError, KeyError, TypeError, AttributeError) as error:
                problem = f"cannot read the output ({error!r}): {done.stdout[:200]!r}"
        results.append(
            FlowResult(flow, ["neonctl", *arguments], done.returncode, problem, recorder.take())
        )
        if problem is not None and "project_id" not in ids:
            break
    return results


# --- recording ------------------------------------------------------------------------------------


def _placeholders(results: list[FlowResult]) -> dict[str, str]:
    """Real ids -> placeholders, from the create response (the only resources the flows make)."""
    for result in results:
        for exchange in result.exchanges:
            if (exchange.method, exchange.path) == ("POST", "/projects") and exchange.status < 300:
                created = exchange.response or {}
                mapping = {created["project"]["id"]: "{project_id}"}
                mapping[created["branch"]["id"]] = "{branch_id}"
                for index, endpoint in enumerate(created.get("endpoints", [])):
                    mapping[endpoint["id"]] = f"{{endpoint_id:{index}}}"
                return mapping
    return {}


def _template(method: str, path: str) -> str:
    parts = path.split("/")
    names = {"projects": "{project_id}", "branches": "{branch_id}", "endpoints": "{endpoint_id}"}
    names |= {"roles": "{role_name}", "operations": "{operation_id}", "databases": "{database}"}
    out = list(parts)
    for index in range(1, len(parts) - 1):
        if parts[index] in names and parts[index + 1] not in {"shared"}:
            out[index + 1] = names[parts[index]]
    return "/".join(out)


def _present(document: Any, path: str) -> bool:
    """True when the recorded answer has something at `path` (`[]`: every item of a non-empty
    list)."""
    found = [document]
    for part in path.split("."):
        name = part.removesuffix("[]")
        found = [item[name] for item in found if isinstance(item, dict) and name in item]
        if part.endswith("[]"):
            if not found or not all(isinstance(item, list) and item for item in found):
                return False
            found = [element for item in found for element in item]
    return bool(found)


def _reads(exchange: Exchange) -> list[str]:
    """What neonctl reads from this answer, as far as the recorded answer holds it (an empty
    last page holds its list, not items)."""
    wanted = READS.get((exchange.method, _template(exchange.method, exchange.path)), [])
    kept = []
    for path in wanted:
        if _present(exchange.response, path):
            kept.append(path)
        elif _present(exchange.response, path.split("[]")[0]):
            kept.append(path.split("[]")[0])
    return list(dict.fromkeys(kept))


def _cursor(response: Any) -> str | None:
    pagination = response.get("pagination") if isinstance(response, dict) else None
    if not isinstance(pagination, dict):
        return None
    value = pagination.get("next") or pagination.get("cursor")
    return value if isinstance(value, str) else None


def _query(exchange: Exchange, previous: str | None, mapping: dict[str, str]) -> list[list[str]]:
    """The query, with a cursor taken from the previous answer as `{previous_cursor}`."""
    pairs = []
    for name, value in exchange.query:
        if name == "cursor" and value == previous:
            value = "{previous_cursor}"
        pairs.append([name, substitute(value, mapping)])
    return pairs


def record(results: list[FlowResult], directory: Path, version: str) -> Path:
    mapping = _placeholders(results)
    flows = []
    previous: str | None = None
    for result in results:
        requests = []
        for exchange in result.exchanges:
            requests.append(
                {
                    "method": exchange.method,
                    "path": substitute(exchange.path, mapping),
                    "query": _query(exchange, previous, mapping),
                    "body": substitute(exchange.body, mapping),
                    "status": exchange.status,
                    "reads": _reads(exchange),
                }
            )
            previous = _cursor(exchange.response)
        flows.append({"name": result.flow.name, "command": substitute(result.command, mapping),
                      "requests": requests})  # fmt: skip
    document = {
        "provenance": {
            "tool": "neonctl (npm)",
            "version": version,
            "recorded_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "recorded_by": "scripts/check_neonctl.py --record",
            "api_host": "a local tenantctl emulator behind a recording proxy",
            "note": "ids replaced by placeholders: {project_id}, {branch_id}, {endpoint_id:N}; "
            "{previous_cursor} is the cursor of the answer before",
        },
        "flows": flows,
    }
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / "flows.json"
    target.write_text(json.dumps(document, indent=2, sort_keys=False) + "\n", encoding="utf-8")
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--neonctl", help="path to the neonctl binary (default: on PATH)")
    parser.add_argument("--record", type=Path, help="write the requests to DIR/flows.json")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    neonctl = args.neonctl or os.environ.get("NEONCTL") or shutil.which("neonctl")
    if not neonctl:
        print("check_neonctl: neonctl is not installed (npm install neonctl; or --neonctl PATH)")
        return 2
    with tempfile.TemporaryDirectory(prefix="neonctl-check-") as scratch:
        home = Path(scratch)
        version = _neonctl_version(neonctl, _environment(home))
        with running_emulator(api_key=API_KEY, operation_seconds=0.2) as server:
            upstream = f"http://{server.host}:{server.port}"
            with recording_proxy(upstream) as (proxy, recorder):
                results = run_flows(neonctl, proxy + API_PREFIX, recorder, home)
    print(f"neonctl {version} against a fresh tenantctl emulator")
    for result in results:
        verdict = "ok  " if result.problem is None else "FAIL"
        calls = ", ".join(f"{e.method} {e.path} {e.status}" for e in result.exchanges)
        print(f"{verdict} {result.flow.name:<18} {len(result.exchanges)} requests: {calls}")
        if result.problem:
            print(f"     {result.problem}")
    failed = [r for r in results if r.problem is not None] or len(results) < len(FLOWS)
    if args.record and not failed:
        print(f"recorded {record(results, args.record, version)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
