"""Writing the adoption ledger (`adopted.yaml`) for `adopt` and `import`, with a way back.

The ledger's format and checks live in `controller.spec.ledger`; this is the shell that writes
it: the whole file re-rendered from the fleet's validated entries plus the new ones (sorted,
under its header), atomically, and restored exactly as it was if the command that wrote it
later finds the fleet invalid.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from controller.cli.common import CommandError, write_atomically
from controller.spec.ledger import LEDGER_FILE, render_ledger


@dataclass(frozen=True)
class LedgerWrite:
    """What `record_adoptions` changed, so that `undo` can put it back."""

    path: Path
    before: str | None  # the file's text before, or None when it did not exist

    def undo(self) -> None:
        if self.before is None:
            self.path.unlink(missing_ok=True)
        else:
            write_atomically(self.path, self.before)


def record_adoptions(
    fleet_dir: Path, recorded: Mapping[str, str], new: Mapping[str, str]
) -> LedgerWrite:
    """Write `adopted.yaml` holding the fleet's `recorded` adoptions plus `new` ones."""
    path = fleet_dir / LEDGER_FILE
    try:
        before = path.read_text(encoding="utf-8") if path.exists() else None
    except (OSError, UnicodeDecodeError) as error:
        raise CommandError(f"cannot read {path}: {error}") from None
    write_atomically(path, render_ledger({**recorded, **new}))
    return LedgerWrite(path, before)
