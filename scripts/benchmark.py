"""Benchmark: plan and apply fleets of 100 and 1,000 tenants against the emulator's HTTP server.

Not a test: it prints numbers (API calls per tenant by route, wall time, peak memory) for people
to read and compare across changes; nothing here passes or fails on timing.

    python scripts/benchmark.py                 # 100 and 1,000 tenants, no server rate limit
    python scripts/benchmark.py --tenants 100 --neon-rates --operation-seconds 1
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import shutil
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import logging  # noqa: E402

from controller.logs import configure_logging  # noqa: E402
from controller.neon.client import NeonClient  # noqa: E402
from controller.neon.settings import NeonSettings  # noqa: E402
from controller.reconcile.changeplan import PlanTarget  # noqa: E402
from controller.reconcile.desired import desired_fleet  # noqa: E402
from controller.reconcile.executor import ApplyOptions  # noqa: E402
from controller.reconcile.planner import PlanOptions  # noqa: E402
from controller.reconcile.run import apply_plan, make_plan  # noqa: E402
from controller.spec import load_fleet  # noqa: E402
from tests.support.emulator_process import EmulatorProcess, running_emulator  # noqa: E402

T = TypeVar("T")
PLANS = ("free", "pro", "enterprise")


def write_fleet(directory: Path, tenants: int) -> None:
    """A fleet of N tenants cycling through the example plans; every 10th suspended."""
    shutil.copytree(REPO / "plans", directory / "plans")
    (directory / "tenants").mkdir()
    for n in range(tenants):
        state = "suspended" if n % 10 == 9 else "active"
        text = f"plan: {PLANS[n % len(PLANS)]}\nstate: {state}\n"
        (directory / "tenants" / f"t{n:05d}.yaml").write_text(text)


def calls_by_route(server: EmulatorProcess) -> dict[str, int]:
    totals: dict[str, int] = {}
    for row in server.stats()["requests"]:
        key = f"{row['method']} {row['route']}"
        totals[key] = totals.get(key, 0) + int(row["count"])
    return totals


async def measured(
    label: str, server: EmulatorProcess, tenants: int, step: Callable[[], Awaitable[T]]
) -> T:
    before = calls_by_route(server)
    tracemalloc.reset_peak()
    started = time.perf_counter()
    result = await step()
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    after = calls_by_route(server)
    delta = {k: v - before.get(k, 0) for k, v in after.items() if v - before.get(k, 0)}
    total = sum(delta.values())
    print(
        f"  {label:<22} {elapsed:8.2f} s  {total:6d} calls  {total / tenants:6.2f}/tenant  "
        f"peak Python heap {peak / 2**20:7.1f} MiB"
    )
    for route, count in sorted(delta.items(), key=lambda kv: -kv[1]):
        print(f"      {count:6d}  {count / tenants:6.2f}/tenant  {route}")
    return result


async def run_size(server: EmulatorProcess, tenants: int, client_settings: dict[str, Any]) -> None:
    server.reset()
    with tempfile.TemporaryDirectory() as workdir:
        fleet_dir = Path(workdir)
        write_fleet(fleet_dir, tenants)
        loaded = load_fleet(fleet_dir)
        assert loaded.fleet is not None, loaded.errors
        desired = desired_fleet(loaded.fleet)
    settings = NeonSettings(api_key=server.api_key, host=server.base_url, **client_settings)
    target = PlanTarget(host=server.base_url)
    print(f"\n{tenants} tenants")
    async with NeonClient(settings) as client:
        planned = await measured(
            "plan (empty org)",
            server,
            tenants,
            lambda: make_plan(client, desired, PlanOptions(), target),
        )
        report = await measured(
            "apply",
            server,
            tenants,
            lambda: apply_plan(
                client, planned.plan, ApplyOptions(concurrency=32), observer=planned.observer
            ),
        )
        print(f"      {report.summary()}")
        again = await measured(
            "plan (converged)",
            server,
            tenants,
            lambda: make_plan(client, desired, PlanOptions(), target),
        )
        print(f"      {again.plan.summary()}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tenants", type=int, action="append", help="fleet size (repeatable)")
    parser.add_argument("--operation-seconds", type=float, default=0.0)
    parser.add_argument(
        "--neon-rates",
        action="store_true",
        help="server and client at Neon's budget (700/min, 40/s per route) instead of unlimited",
    )
    args = parser.parse_args()
    sizes = args.tenants or [100, 1000]
    limits = {"rate_per_minute": 700, "burst_per_second": 40} if args.neon_rates else {}
    client: dict[str, Any] = (
        {} if args.neon_rates else {"requests_per_minute": 10**6, "burst_per_second": 10**5}
    )
    configure_logging(level=logging.WARNING)
    tracemalloc.start()
    with running_emulator(operation_seconds=args.operation_seconds, **limits) as server:
        for size in sizes:
            asyncio.run(run_size(server, size, client))
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"\npeak RSS of the controller process: {rss / 1024:.1f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
