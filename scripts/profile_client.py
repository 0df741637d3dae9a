"""Profile the Neon client: CPU seconds per 1,000 reads against the emulator, in process and
over real HTTP.

Not a test: it prints figures for people to compare across changes (issue 12: a converged plan
of 10,000 tenants spent most of its CPU in the HTTP stack). The client runs with pacing off
(`pace=False`), as with the rate limit lifted, and reads the way an observe pass does
(`list_endpoints` and `get_project` of a few projects). Over HTTP the emulator is another
process, so the CPU counted is the client's alone; in process it includes the emulator's.

    python scripts/profile_client.py                   # both transports, 3,000 reads each
    python scripts/profile_client.py --reads 5000 --transport http --profile
    (--profile needs pyinstrument: pip install pyinstrument; it is not a dependency)
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import httpx  # noqa: E402

from controller.emulator import EmulatorConfig, create_app  # noqa: E402
from controller.neon import NeonClient, NeonSettings, ProjectCreate  # noqa: E402
from tests.support.emulator_process import TEST_API_KEY, running_emulator  # noqa: E402

PROJECTS = 4
CONCURRENCY = 16  # what the observe pass uses
OVERRIDES: dict[str, Any] = {}


async def read_many(client: NeonClient, project_ids: list[str], reads: int) -> None:
    """`reads` reads, CONCURRENCY at a time, alternating endpoints and project reads."""
    queue = iter(range(reads))

    async def worker() -> None:
        for n in queue:
            project_id = project_ids[n % len(project_ids)]
            if n % 2:
                await client.get_project(project_id)
            else:
                await client.list_endpoints(project_id)

    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))


async def measure(
    host: str, transport: httpx.AsyncBaseTransport | None, reads: int, profile: bool
) -> float:
    settings = NeonSettings(api_key=TEST_API_KEY, host=host, pace=False, **OVERRIDES)
    async with NeonClient(settings, transport=transport) as client:
        created = [
            await client.create_project(ProjectCreate(name=f"tenant-profile-{n}"))
            for n in range(PROJECTS)
        ]
        ids = [project.project.id for project in created]
        await read_many(client, ids, 200)  # warm up: connections, imports, caches
        profiler = _start_profiler() if profile else None
        started = time.process_time()
        await read_many(client, ids, reads)
        spent = time.process_time() - started
        if profiler is not None:
            profiler.stop()
            print(profiler.output_text(unicode=False, color=False, show_all=False))
    return spent * 1000 / reads


def _start_profiler() -> Any:
    try:
        from pyinstrument import Profiler
    except ImportError:
        raise SystemExit("--profile needs pyinstrument: pip install pyinstrument") from None
    profiler = Profiler(async_mode="disabled")
    profiler.start()
    return profiler


def in_process(reads: int, profile: bool) -> float:
    config = EmulatorConfig(
        api_key=TEST_API_KEY,
        operation_seconds=0.0,
        rate_per_minute=0,
        burst_per_second=0,
        consumption_rate_per_minute=0,
    )
    app = create_app(config)
    transport = httpx.ASGITransport(app=app)
    return asyncio.run(measure("http://emulator/api/v2", transport, reads, profile))


def over_http(reads: int, profile: bool) -> float:
    with running_emulator(operation_seconds=0.0) as server:
        return asyncio.run(measure(server.base_url, None, reads, profile))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reads", type=int, default=3000)
    parser.add_argument("--transport", choices=["asgi", "http", "both"], default="both")
    parser.add_argument("--profile", action="store_true", help="print a pyinstrument profile")
    parser.add_argument("--max-connections", type=int, help="NeonSettings.max_connections")
    args = parser.parse_args()
    if args.max_connections:
        OVERRIDES["max_connections"] = args.max_connections
    runs = {"asgi": in_process, "http": over_http}
    chosen = list(runs) if args.transport == "both" else [args.transport]
    for name in chosen:
        per_thousand = runs[name](args.reads, args.profile)
        label = "in process (client + emulator)" if name == "asgi" else "over HTTP (client only)"
        print(f"{label}: {per_thousand:.2f} CPU s per 1,000 reads ({args.reads} reads)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
