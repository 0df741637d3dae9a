"""Benchmark: what tenantctl costs on fleets of 100 and 1,000 tenants, against Neon's limits.

Not a test: it prints figures for people to read and compare across changes; nothing here
passes or fails on timing. By default everything runs as it would against Neon: the emulator's
real HTTP server at Neon's rates (700 requests/min per account, 40/s per route) with operations
that take 1 s, and the tenantctl commands themselves (`python -m controller ...`, each in a
process of its own, with the client's default budgets: Neon's).

For each fleet size it reports, per step: API calls (and per tenant, and 429s), wall time, the
rate bound (the calls that succeeded at 700/min) and wall time against it, the CPU time and the
peak RSS of the process that ran the step. The CPU and memory figures come from the operating
system for that process alone (`os.wait4`): no tracing runs in the timed pass, so measuring
memory never slows the figures down.

Steps: apply creating every tenant; a full plan of the converged fleet; `plan --changed-since`
with one tenant changed (a pull request); the controller loop's idle cycle (`PlanOptions.deep =
frozenset()`: the same code path as `plan --changed-since` with nothing changed, list pages
only) and its full refresh (a full plan); apply changing every tenant's plan (quotas and
compute range); and, in the same run, a Terraform-provider-like refresh (GET project, branches,
endpoints, databases and a password reveal per project, 10 workers, retrying a 429 after 1 s).

    python scripts/benchmark.py                      # 100 and 1,000 tenants at Neon's rates
    python scripts/benchmark.py --tenants 100        # one size
    python scripts/benchmark.py --fast               # no rate limits, operations at once
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.support.emulator_process import EmulatorProcess, running_emulator  # noqa: E402

NEON_RATE_PER_MINUTE = 700
PLANS = ("free", "pro", "enterprise")
# Every plan's quotas go up and its compute range changes: each tenant gets one update that
# patches its project and its compute, and no limit goes down (no usage read).
PLAN_CHANGES = {
    "free": [("storage: 512MiB", "storage: 1GiB"), ("max_cu: 2", "max_cu: 3")],
    "pro": [("storage: 10GiB", "storage: 20GiB"), ("max_cu: 4", "max_cu: 6")],
    "enterprise": [("storage: 500GiB", "storage: 1000GiB"), ("max_cu: 16", "max_cu: 12")],
}
TERRAFORM_WORKERS = 10


@dataclass(frozen=True)
class Measured:
    """One step: its calls by route, wall time, and the OS's account of the process."""

    label: str
    tenants: int
    calls: dict[str, int]
    throttled: int
    wall: float
    cpu: float
    peak_rss_mib: float
    exit_code: int

    @property
    def total(self) -> int:
        return sum(self.calls.values())

    @property
    def bound(self) -> float:
        """Seconds the successful calls need at Neon's 700 requests/min."""
        return (self.total - self.throttled) / (NEON_RATE_PER_MINUTE / 60.0)


def write_fleet(directory: Path, tenants: int) -> None:
    """N tenants cycling through the example plans; every 10th suspended; a git repository."""
    shutil.copytree(REPO / "plans", directory / "plans")
    (directory / "tenants").mkdir()
    (directory / "tenantctl.yaml").write_text("fleet: bench\n")
    (directory / ".gitignore").write_text(".tenantctl/\n")
    for n in range(tenants):
        state = "suspended" if n % 10 == 9 else "active"
        text = f"plan: {PLANS[n % len(PLANS)]}\nstate: {state}\n"
        (directory / "tenants" / f"t{n:05d}.yaml").write_text(text)
    git(directory, "init", "-q")
    commit(directory, "fleet")


def git(directory: Path, *args: str) -> None:
    identity = ("-c", "user.email=bench@example.com", "-c", "user.name=bench")
    subprocess.run(["git", "-C", str(directory), *identity, *args], check=True)


def commit(directory: Path, message: str) -> None:
    git(directory, "add", "-A")
    git(directory, "commit", "-qm", message)


def calls_by_route(server: EmulatorProcess) -> dict[tuple[str, int], int]:
    totals: dict[tuple[str, int], int] = {}
    for row in server.stats()["requests"]:
        key = (f"{row['method']} {row['route']}", int(row["status"]))
        totals[key] = totals.get(key, 0) + int(row["count"])
    return totals


def run_measured(
    label: str, tenants: int, server: EmulatorProcess, command: list[str], env: dict[str, str]
) -> Measured:
    """Run one step in its own process; calls from the emulator's counters, the rest from
    the operating system's account of that process."""
    before = calls_by_route(server)
    started = time.perf_counter()
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=REPO
    )
    assert process.stderr is not None
    errors = threading.Thread(target=process.stderr.read, daemon=True)  # never blocks on a pipe
    errors.start()
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    after = calls_by_route(server)
    delta = {k: v - before.get(k, 0) for k, v in after.items() if v - before.get(k, 0)}
    routes: dict[str, int] = {}
    for (route, _status), count in delta.items():
        routes[route] = routes.get(route, 0) + count
    throttled = sum(count for (_, code), count in delta.items() if code == 429)
    return Measured(
        label=label,
        tenants=tenants,
        calls=routes,
        throttled=throttled,
        wall=wall,
        cpu=usage.ru_utime + usage.ru_stime,
        peak_rss_mib=usage.ru_maxrss / 1024,
        exit_code=process.returncode,
    )


def tenantctl(fleet: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "controller", *args, "--dir", str(fleet)]


def run_size(server: EmulatorProcess, tenants: int, args: argparse.Namespace) -> list[Measured]:
    server.reset()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEON_", "TENANTCTL_"))}
    env.update(NEON_API_HOST=server.base_url, NEON_API_KEY=server.api_key, CI="")
    if args.fast:
        env.update(
            TENANTCTL_REQUESTS_PER_MINUTE="1000000000",
            TENANTCTL_BURST_PER_SECOND="1000000",
            TENANTCTL_CONSUMPTION_REQUESTS_PER_MINUTE="1000000000",
        )
    results: list[Measured] = []

    def step(label: str, command: list[str]) -> None:
        time.sleep(args.settle)  # the account's bucket refills between steps
        results.append(run_measured(label, tenants, server, command, env))
        print(f"  ... {label}: {results[-1].wall:.1f} s", file=sys.stderr, flush=True)

    with tempfile.TemporaryDirectory(prefix="tenantctl-bench-") as workdir:
        fleet = Path(workdir) / "fleet"
        write_fleet(fleet, tenants)
        step("apply: create every tenant", tenantctl(fleet, "apply", "--yes"))
        step("plan: full (converged)", tenantctl(fleet, "plan"))
        since_head = tenantctl(fleet, "plan", "--changed-since", "HEAD")
        step("controller: idle cycle (deep=frozenset())", since_head)
        changed = fleet / "tenants" / "t00000.yaml"
        changed.write_text(changed.read_text().replace("plan: free", "plan: pro"))
        step("plan --changed-since, 1 tenant changed", since_head)
        git(fleet, "checkout", "-q", "--", "tenants")
        for plan, edits in PLAN_CHANGES.items():
            path = fleet / "plans" / f"{plan}.yaml"
            text = path.read_text()
            for old, new in edits:
                assert old in text, (plan, old)
                text = text.replace(old, new)
            path.write_text(text)
        step("apply: every tenant's plan changed", tenantctl(fleet, "apply", "--yes"))
        commit(fleet, "plans changed")
        if not args.no_terraform:
            refresh = [sys.executable, __file__, "--terraform-refresh", server.base_url]
            step(f"terraform-like refresh ({TERRAFORM_WORKERS} workers)", refresh)
    return results


def report(results: list[Measured]) -> str:
    head = (
        f"{'step':<44} {'calls':>6} {'/tenant':>8} {'429s':>5} {'wall s':>8} {'bound s':>8} "
        f"{'wall/bound':>10} {'CPU s':>7} {'RSS MiB':>8}"
    )
    lines = [head]
    for m in results:
        ratio = f"{m.wall / m.bound:10.2f}" if m.bound else f"{'-':>10}"
        failed = "" if m.exit_code in (0, 2) else f"  (exit {m.exit_code})"
        lines.append(
            f"{m.label:<44} {m.total:>6} {m.total / m.tenants:>8.3f} {m.throttled:>5} "
            f"{m.wall:>8.1f} {m.bound:>8.1f} {ratio} {m.cpu:>7.2f} {m.peak_rss_mib:>8.1f}{failed}"
        )
        for route, count in sorted(m.calls.items(), key=lambda kv: -kv[1]):
            lines.append(f"    {count:>6}  {count / m.tenants:>7.3f}/tenant  {route}")
    return "\n".join(lines)


def terraform_refresh(host: str, api_key: str) -> int:
    """What a Terraform provider's refresh reads per project, with 10 workers and no shared
    limiter (a 429 is retried after a fixed second)."""
    import httpx

    headers = {"Authorization": f"Bearer {api_key}"}
    with httpx.Client(base_url=host, headers=headers, timeout=60, trust_env=False) as client:

        def get(path: str, **params: Any) -> Any:
            while True:
                response = client.get(path, params=params)
                if response.status_code != 429:
                    return response.raise_for_status().json()
                time.sleep(1.0)

        projects: list[dict[str, Any]] = []
        cursor = None
        while True:  # Neon's cursor is the last project's key; a short page is the last
            page = get("/projects", limit=400, **({"cursor": cursor} if cursor else {}))
            projects += page["projects"]
            cursor = page.get("pagination", {}).get("cursor")
            if len(page["projects"]) < 400 or not cursor:
                break

        def refresh(project_id: str) -> None:
            get(f"/projects/{project_id}")
            branches = get(f"/projects/{project_id}/branches")["branches"]
            get(f"/projects/{project_id}/endpoints")
            branch = next(b for b in branches if b.get("default"))["id"]
            databases = get(f"/projects/{project_id}/branches/{branch}/databases")["databases"]
            role = databases[0]["owner_name"]
            get(f"/projects/{project_id}/branches/{branch}/roles/{role}/reveal_password")

        with concurrent.futures.ThreadPoolExecutor(TERRAFORM_WORKERS) as pool:
            list(pool.map(refresh, [p["id"] for p in projects]))
    return 0


def machine() -> str:
    cpus = os.cpu_count()
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"{date.today().isoformat()} · {platform.platform()} · {cpus} CPUs · Python "
        f"{platform.python_version()} · load average at start {load}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--tenants", type=int, action="append", help="fleet size (repeatable)")
    parser.add_argument(
        "--fast", action="store_true", help="no rate limits anywhere, operations at once"
    )
    parser.add_argument("--operation-seconds", type=float, help="default: 1 (0 with --fast)")
    parser.add_argument("--settle", type=float, help="seconds between steps (default 5; 0 fast)")
    parser.add_argument("--no-terraform", action="store_true", help="skip the Terraform refresh")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON to this file")
    parser.add_argument("--terraform-refresh", metavar="HOST", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.terraform_refresh:  # the child process of that step; the key comes in NEON_API_KEY
        return terraform_refresh(args.terraform_refresh, os.environ["NEON_API_KEY"])
    sizes = args.tenants or [100, 1000]
    rate = 0 if args.fast else NEON_RATE_PER_MINUTE
    burst = 0 if args.fast else 40
    operation_seconds = args.operation_seconds
    if operation_seconds is None:
        operation_seconds = 0.0 if args.fast else 1.0
    if args.settle is None:
        args.settle = 0.0 if args.fast else 5.0
    print(f"tenantctl benchmark · {machine()}")
    limits = f"{rate}/min, {burst}/s per route" if rate else "no rate limits"
    budgets = "unlimited budgets" if args.fast else "Neon's budgets (the defaults)"
    print(
        f"emulator: real HTTP server, {limits}, operations take {operation_seconds:g} s; "
        f"client: {budgets}; bound = successful calls at 700/min"
    )
    figures: dict[str, Any] = {}
    with running_emulator(
        operation_seconds=operation_seconds,
        rate_per_minute=rate,
        burst_per_second=burst,
        consumption_rate_per_minute=50 if rate else 0,
    ) as server:
        for size in sizes:
            results = run_size(server, size, args)
            print(f"\n{size} tenants\n{report(results)}", flush=True)
            figures[str(size)] = [
                {**m.__dict__, "total": m.total, "bound": m.bound} for m in results
            ]
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
