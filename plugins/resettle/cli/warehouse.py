"""The warehouse commands: `resettle warehouse up|down|status|url`, `resettle dbt ARGS` and
`resettle staging` (render the dbt staging models from the contracts).

`add_commands(subparsers)` adds them to the `resettle` parser, like every module of this package.
"""

from __future__ import annotations

import argparse
import json
import re
import sys

from resettle.domain.config import settings


def cmd_warehouse(args: argparse.Namespace) -> int:
    from resettle import warehouse
    from resettle.warehouse import server
    from resettle.warehouse.schema import bootstrap

    external = settings().warehouse_url
    if args.action == "url":
        print(warehouse.url(start=False))
        return 0
    if args.action == "status":
        if external:
            print(f"external warehouse (RESETTLE_WAREHOUSE_URL): {_redact(external)}")
        else:
            state = "running" if server.is_running() else "stopped"
            print(f"embedded warehouse: {state} ({settings().pgdata})")
            if state == "running":
                print(f"url: {_redact(server.embedded_url())}")
        return 0
    if args.action == "up":
        url = warehouse.url(start=True)
        with warehouse.connect() as conn:
            bootstrap(conn)
        where = "external" if external else f"embedded at {settings().pgdata}"
        print(f"warehouse up ({where}): {_redact(url)}")
        print("  connect: psql \"$(resettle warehouse url)\"")
        return 0
    if args.action == "down":
        if external:
            print("RESETTLE_WAREHOUSE_URL is set: an external warehouse is not stopped by resettle")
            return 0
        print("warehouse stopped" if server.stop() else "warehouse was not running")
        return 0
    raise AssertionError(args.action)


def _redact(url: str | None) -> str:
    return re.sub(r"(://[^:/@]+:)[^@]+@", r"\1****@", url or "")


def cmd_staging(args: argparse.Namespace) -> int:
    from resettle.warehouse import staging

    for path in staging.write():
        print(path)
    return 0


def cmd_dbt(args: argparse.Namespace) -> int:
    from resettle import warehouse
    from resettle.warehouse.dbt_runner import run_dbt

    outcome = run_dbt(args.dbt_args or ["build"], warehouse.url(start=True))
    for failure in outcome.failures:
        print(failure, file=sys.stderr)
    print(json.dumps(outcome.counts))
    return 0 if outcome.success else 1


def add_commands(sub) -> None:
    w = sub.add_parser("warehouse", help="start, stop or locate the warehouse (embedded PostgreSQL by default)",
                       description="Manage the warehouse. Without RESETTLE_WAREHOUSE_URL a local PostgreSQL is "
                                   "kept under .resettle/ and stays up between commands until `down`.")
    w.add_argument("action", choices=["up", "down", "status", "url"],
                   help="up: start and create schemas; down: stop; status: report; url: print a libpq URL")
    w.set_defaults(func=cmd_warehouse)

    sg = sub.add_parser("staging", help="write the dbt sources and staging models from the dataset contracts",
                        description="Render dbt_project/models/staging/<source>/ (sources, models, docs) from "
                                    "expectations/contracts (a test keeps them current).")
    sg.set_defaults(func=cmd_staging)

    t = sub.add_parser("dbt", help="run a dbt command against the warehouse (default: build)",
                       description="Pass arguments to dbt with the warehouse profile set, e.g. "
                                   "`resettle dbt build --select marts`.")
    t.add_argument("dbt_args", nargs=argparse.REMAINDER, help="arguments for dbt")
    t.set_defaults(func=cmd_dbt)
