"""Root test configuration: loads every shared fixture module `tests/support/fixtures_*.py`.

Shared fixtures (the emulator server, the contract validator) live in those modules so that each
area's tests can use them without this file changing whenever one is added.
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = sorted(
    f"tests.support.{path.stem}"
    for path in (Path(__file__).parent / "support").glob("fixtures_*.py")
)


@pytest.fixture(autouse=True)
def _outside_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests run the same on a laptop and in CI (`CI=true`, which makes tenantctl refuse the
    embedded emulator); the tests of that refusal set CI themselves."""
    monkeypatch.delenv("CI", raising=False)
