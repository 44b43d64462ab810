"""The `resettle` command: one entry point for the embedded warehouse, data, runs, Airflow and reports.

Each command group is a module of this package with `add_commands(subparsers)`; its handlers import what they
need when they run, so `resettle --help` stays fast.
"""

from __future__ import annotations

import argparse
import os
import sys

from resettle.cli import alerts, dashboard, devtools, pipeline, submissions, warehouse

GROUPS = (warehouse, devtools, pipeline, submissions, alerts, dashboard)


def version() -> str:
    """The installed distribution's version (pyproject.toml), or `unknown` when run from a bare checkout."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as dist_version

    try:
        return dist_version("resettle")
    except PackageNotFoundError:
        return "unknown"


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="resettle",
        description="Overdue relocation-resettlement data platform: intake, validation, warehouse and marts.",
        epilog="Paths: RESETTLE_LANDING (data/landing), RESETTLE_OUTBOX (data/outbox), RESETTLE_HOME (.resettle); "
        "RESETTLE_WAREHOUSE_URL selects an external PostgreSQL instead of the embedded one.",
    )
    p.add_argument("--version", action="version", version=f"%(prog)s {version()}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for group in GROUPS:
        group.add_commands(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    args = build_parser().parse_args(argv)
    from resettle.domain.config import ConfigError
    from resettle.warehouse import WarehouseError
    from resettle.warehouse.backup import BackupError
    from resettle.warehouse.migrations import MigrationError

    try:
        return args.func(args)
    except (ConfigError, WarehouseError, MigrationError, BackupError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
