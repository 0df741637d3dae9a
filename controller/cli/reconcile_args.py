"""Flags and plumbing shared by `plan` and `apply`: targets, deletion permission, the client."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TypedDict

from controller.cli.common import CommandError, duration, whole_number
from controller.cli.connection import Connection
from controller.neon import command_deadline
from controller.neon.client import NeonClient
from controller.neon.errors import NeonError
from controller.reconcile.observe import ObservationError


def add_target_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--target",
        action="append",
        metavar="TENANT",
        help="limit the run to this tenant (repeatable); orphans are not looked for then",
    )


def add_emulator_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--emulator",
        action="store_true",
        help=(
            "use the embedded Neon emulator (state in .tenantctl/) even if NEON_API_KEY is set; "
            "required for apply under CI=true without a key"
        ),
    )


def add_delete_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--allow-delete",
        action="store_true",
        help="permit deleting projects of tenants whose state is `deleted`",
    )
    parser.add_argument(
        "--max-deletes",
        type=whole_number(at_least=0),
        default=1,
        metavar="N",
        help="delete at most N projects in one run (default: 1)",
    )


def add_batch_arguments(parser: argparse.ArgumentParser) -> None:
    """`--batch-size N [--batch-pause DURATION] [--max-failures K]`: a staged rollout."""
    parser.add_argument(
        "--batch-size",
        type=whole_number(at_least=1),
        metavar="N",
        help="apply N tenants at a time, batch after batch, in plan order (default: all at once)",
    )
    parser.add_argument(
        "--batch-pause",
        type=duration(),
        default=0,
        metavar="DURATION",
        help="wait this long between batches, e.g. 30s or 5m (with --batch-size)",
    )
    parser.add_argument(
        "--max-failures",
        type=whole_number(at_least=1),
        metavar="K",
        help="start no further batch once K tenants failed; those left are reported "
        "not_started (with --batch-size)",
    )


class BatchOptions(TypedDict):
    """The staged-rollout fields of `ApplyOptions`."""

    batch_size: int | None
    batch_pause_seconds: float
    max_failures: int | None


def batch_options(args: argparse.Namespace) -> BatchOptions:
    """The ApplyOptions fields of the batch flags; pause and failures need a batch size."""
    if args.batch_size is None and (args.batch_pause or args.max_failures is not None):
        raise CommandError("--batch-pause and --max-failures need --batch-size")
    return BatchOptions(
        batch_size=args.batch_size,
        batch_pause_seconds=float(args.batch_pause),
        max_failures=args.max_failures,
    )


def stdout_is_tty() -> bool:
    """Whether to colour stdout: on a terminal, unless NO_COLOR is set (no-color.org)."""
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")


@asynccontextmanager
async def neon_client(connection: Connection) -> AsyncIterator[NeonClient]:
    """A client for the target; Neon errors end the command with their (scrubbed) message.

    The connection is closed on the way out, so use one `neon_client` per connection.
    """
    try:
        async with (
            command_deadline(connection.settings),
            NeonClient(connection.settings, transport=connection.transport) as client,
        ):
            yield client
    except NeonError as error:
        raise CommandError(f"Neon API: {error}") from None
    except ObservationError as error:
        raise CommandError(str(error)) from None
    finally:
        connection.close()
