"""`tenantctl completion SHELL`: print a completion script for bash, zsh or fish.

source <(tenantctl completion bash)                 # in ~/.bashrc
tenantctl completion zsh > "${fpath[1]}/_tenantctl"   # or: source <(tenantctl completion zsh)
tenantctl completion fish > ~/.config/fish/completions/tenantctl.fish
"""

from __future__ import annotations

import argparse

from controller.cli.common import EXIT_OK
from controller.cli.completion import SHELLS, script


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `completion` command."""
    parser = subparsers.add_parser(
        "completion",
        help="print a shell completion script (bash, zsh or fish)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("shell", choices=SHELLS, help="the shell to complete in")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from controller.cli import build_parser

    print(script(args.shell, build_parser()), end="")
    return EXIT_OK
