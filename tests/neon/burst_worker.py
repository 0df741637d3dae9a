"""A tenantctl-like process for the shared-budget test: one client, one burst of reads.

    python -m tests.neon.burst_worker BASE_URL API_KEY PROJECT_ID COUNT [SHARED_DIR]

Prints `ready` once its client exists, waits for a line on stdin (so that two workers burst at
the same moment), sends COUNT concurrent endpoint reads at Neon's default limits (sharing the
limiter through SHARED_DIR when given), and prints `done N` with the reads that succeeded.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from controller.neon import NeonClient, NeonError, NeonSettings


async def main(base_url: str, api_key: str, project_id: str, count: int, shared: str) -> int:
    settings = NeonSettings(
        api_key=api_key,
        host=base_url,
        max_attempts=20,
        shared_limiter_dir=Path(shared) if shared else None,
    )
    async with NeonClient(settings) as client:
        print("ready", flush=True)
        await asyncio.to_thread(sys.stdin.readline)
        results = await asyncio.gather(
            *(client.list_endpoints(project_id) for _ in range(count)), return_exceptions=True
        )
    failures = [result for result in results if isinstance(result, NeonError)]
    print(f"done {count - len(failures)}", flush=True)
    return 0 if not failures else 1


if __name__ == "__main__":
    url, key, project, how_many = sys.argv[1:5]
    shared_dir = sys.argv[5] if len(sys.argv) > 5 else ""
    raise SystemExit(asyncio.run(main(url, key, project, int(how_many), shared_dir)))
