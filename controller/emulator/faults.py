"""Injected faults: the failures a controller must survive, on demand and reproducibly.

Why this exists: real Neon sometimes answers 503, 429 or 423, is slow, fails operations, or acts
and then loses the response (a timeout after commit). Tests and demos turn these on through
`POST /_emulator/faults`; a seeded random generator decides which requests fail, so a failing
run can be replayed with the same `--seed`.
"""

from __future__ import annotations

import random
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

Rate = Annotated[float, Field(ge=0.0, le=1.0)]


class FaultSettings(BaseModel):
    """The body of `POST /_emulator/faults`; anything left out is off."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    status_rates: dict[str, Rate] = Field(default_factory=dict)
    latency_ms: Annotated[float, Field(ge=0.0, le=60_000.0)] = 0.0
    drop_after_commit_rate: Rate = 0.0
    operation_failure_rate: Rate = 0.0

    @field_validator("status_rates")
    @classmethod
    def _statuses_are_errors(cls, rates: dict[str, float]) -> dict[str, float]:
        for key in rates:
            if not key.isdigit() or not 400 <= int(key) <= 599:
                raise ValueError(f"status {key!r} is not an HTTP error status (400-599)")
        if sum(rates.values()) > 1.0:
            raise ValueError("the status rates add up to more than 1")
        return rates


class FaultInjector:
    """Decides, request by request, whether a configured fault happens."""

    def __init__(self, seed: int | None) -> None:
        self._seed = seed
        self._random = random.Random(seed)
        self.settings = FaultSettings()

    def configure(self, settings: FaultSettings) -> None:
        self.settings = settings

    def clear(self) -> None:
        self.settings = FaultSettings()
        self._random = random.Random(self._seed)

    def injected_status(self, *, mutating: bool) -> int | None:
        """A status to answer instead of serving the request, or None.

        423 only hits mutating requests: Neon never locks reads.
        """
        if not self.settings.status_rates:
            return None
        draw = self._random.random()
        for key, rate in sorted(self.settings.status_rates.items()):
            if draw < rate:
                status = int(key)
                return None if status == 423 and not mutating else status
            draw -= rate
        return None

    def drops_after_commit(self) -> bool:
        rate = self.settings.drop_after_commit_rate
        return rate > 0 and self._random.random() < rate

    def operation_fails(self) -> bool:
        rate = self.settings.operation_failure_rate
        return rate > 0 and self._random.random() < rate

    @property
    def latency_seconds(self) -> float:
        return self.settings.latency_ms / 1000.0
