"""A faithful local emulator of the part of Neon's API v2 a tenant controller uses.

Why this exists: Neon cannot be reached from tests or a laptop demo, and partners want to try a
fleet configuration without touching their account. The emulator stands in for Neon: it imports
nothing from the controller (an import-linter contract enforces it). See docs/emulator.md.

- `EmulatorConfig`: settings (API key, operation duration, rate limits, state file, seed, clocks).
- `create_app(config)`: the Starlette app, for uvicorn or `httpx.ASGITransport`.
- `serve(config, host, port)`: real HTTP until SIGINT/SIGTERM.
"""

from controller.emulator.app import API_PREFIX, EmulatorApp, create_app
from controller.emulator.config import EmulatorConfig
from controller.emulator.gateway import ResponseDropped
from controller.emulator.server import serve
from controller.emulator.store import StateFileError

__all__ = [
    "API_PREFIX",
    "EmulatorApp",
    "EmulatorConfig",
    "ResponseDropped",
    "StateFileError",
    "create_app",
    "serve",
]
