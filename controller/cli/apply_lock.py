"""One apply at a time per fleet directory (`tenantctl run` holds it for its whole life).

Neon offers nothing to lock on, and two applies racing can both create a tenant's project (the
next plan then reports two projects carrying one tenant's mark). A lock file under `.tenantctl/`
stops that on one machine; across machines, run apply from one CI job at a time (a
`concurrency:` group in GitHub Actions).
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from controller.cli.common import CommandError

LOCK_NAME = "apply.lock"


@contextmanager
def apply_lock(state_dir: Path | None) -> Iterator[None]:
    """Hold the fleet's apply lock, or fail at once if another apply holds it."""
    if state_dir is None:
        yield
        return
    try:
        state_dir.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(state_dir / LOCK_NAME, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    except OSError as error:
        raise CommandError(f"cannot take the apply lock in {state_dir}: {error}") from None
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise CommandError(
                f"another tenantctl apply is running on this fleet ({state_dir / LOCK_NAME}), "
                "or a `tenantctl run` controller holds it; wait for it to finish, then try again"
            ) from None
        yield
    finally:
        os.close(descriptor)
