"""Allows `python -m controller`, the same entry point as the `tenantctl` console script."""

from controller.cli import main

raise SystemExit(main())
