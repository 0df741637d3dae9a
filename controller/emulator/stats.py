"""Request counters for `GET /_emulator/stats`: how many calls, by method, route and status.

Why this exists: tests and benchmarks assert on the traffic a controller sent (for example that a
plan of 1,000 tenants stayed within the API budget, or that a retry happened), which only the
server side can count reliably. Counters live in memory and restart from zero with the process.
"""

from __future__ import annotations

from collections import Counter
from typing import Any


class Stats:
    def __init__(self) -> None:
        self._requests: Counter[tuple[str, str, int]] = Counter()
        self.injected_faults = 0
        self.dropped_after_commit = 0

    def record(self, method: str, route: str, status: int) -> None:
        self._requests[(method, route, status)] += 1

    def clear(self) -> None:
        self._requests.clear()
        self.injected_faults = 0
        self.dropped_after_commit = 0

    def snapshot(self) -> dict[str, Any]:
        rows = [
            {"method": method, "route": route, "status": status, "count": count}
            for (method, route, status), count in sorted(self._requests.items())
        ]
        return {
            "total": sum(self._requests.values()),
            "requests": rows,
            "injected_faults": self.injected_faults,
            "dropped_after_commit": self.dropped_after_commit,
        }
