"""`create_app(config)`: the emulator as one Starlette (ASGI) application.

Why this exists: the same application serves real HTTP under uvicorn (`tenantctl emulator`) and
runs in-process behind `httpx.ASGITransport` (tests, the controller's embedded default). Nothing
waits for ASGI lifespan events, which ASGITransport does not send: the state store opens when the
app is built. Call `app.emulator.close()` when done in-process.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.routing import Route

from controller.emulator.config import EmulatorConfig
from controller.emulator.control import ControlApi
from controller.emulator.engine import Emulator
from controller.emulator.gateway import NeonApi
from controller.emulator.routes import neon_router

API_PREFIX = "/api/v2"


class EmulatorApp(Starlette):
    """A Starlette app with its emulator attached (state, clock, faults, counters)."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        api = NeonApi(emulator, neon_router())
        super().__init__(
            routes=[Route(API_PREFIX + "/{path:path}", api), *ControlApi(emulator).routes()]
        )


def create_app(config: EmulatorConfig) -> EmulatorApp:
    """Build the emulator; raises `StateFileError` if `config.state_file` cannot be used."""
    return EmulatorApp(Emulator(config))
