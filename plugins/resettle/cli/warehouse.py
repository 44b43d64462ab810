"""The warehouse commands: `resettle warehouse up|down|status|url|init`, `resettle backup`, `resettle restore`,
`resettle dbt ARGS` and `resettle staging` (render the dbt staging models from the contracts).

`add_commands(subparsers)` adds them to the `resettle` parser, like every module of this package.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from resettle.cli.options import add_out, command
from resettle.domain.config import settings


def cmd_warehouse(args: argparse.Namespace) -> int:
    from resettle import warehouse
    from resettle.warehouse import server
    from resettle.warehouse.schema import bootstrap

    external = settings().warehouse_url
    if args.action == "init":
        return _warehouse_init()
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
        print('  connect: psql "$(resettle warehouse url)"')
        return 0
    if args.action == "down":
        if external:
            print("RESETTLE_WAREHOUSE_URL is set: an external warehouse is not stopped by resettle")
            return 0
        print("warehouse stopped" if server.stop() else "warehouse was not running")
        return 0
    raise AssertionError(args.action)


DEPLOYMENT_SECRETS = ("RESETTLE_WAREHOUSE_URL", "RESETTLE_PSEUDONYM_KEY", "RESETTLE_DASHBOARD_PASSWORD")
"""What every container of a deployment needs; `warehouse init` checks them all before it touches anything."""


def _warehouse_init() -> int:
    from resettle import warehouse
    from resettle.domain.config import secret
    from resettle.warehouse.access import login_password

    for name in DEPLOYMENT_SECRETS:
        secret(name, required=True)
    login_password()
    url = settings().warehouse_url
    result = warehouse.initialize(url)
    ran = ", ".join(result["migrations"]) or "none pending"
    print(
        f"warehouse {warehouse.describe(url)}: schema version {result['from_version']} -> {result['version']} "
        f"(migrations: {ran}); {len(result['roles'])} access roles"
    )
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    from resettle import warehouse
    from resettle.warehouse.backup import backup

    out = Path(args.out) if args.out else settings().home / "backups"
    folder = backup(warehouse.url(start=True), settings().archive, out)
    print(f"backup of {warehouse.describe(warehouse.url())} and {settings().archive}: {folder}")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from resettle import warehouse
    from resettle.warehouse.backup import restore, verify

    folder = Path(args.folder)
    if args.verify_only:
        manifest = verify(folder)
        print(
            f"{folder}: {len(manifest['files'])} files match the manifest "
            f"(schema version {manifest['schema_version']}, {manifest['submissions']} submissions)"
        )
        return 0
    result = restore(folder, warehouse.url(start=True), settings().archive)
    print(
        f"restored {result['submissions']} submissions and {result['archive_files']} archived files into "
        f"{warehouse.describe(warehouse.url())} (schema version {result['backup_schema_version']} -> "
        f"{result['schema_version']}); rebuild the marts: resettle dbt build --full-refresh"
    )
    return 0


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
    w = command(
        sub,
        "warehouse",
        cmd_warehouse,
        help="start, stop or locate the warehouse (embedded PostgreSQL by default)",
        description="Manage the warehouse. Without RESETTLE_WAREHOUSE_URL a local PostgreSQL is "
        "kept under .resettle/ and stays up between commands until `down`.",
    )
    w.add_argument(
        "action",
        choices=["up", "down", "status", "url", "init"],
        help="up: start and create schemas; down: stop; status: report; url: print a libpq URL; "
        "init: set up or upgrade an external warehouse (RESETTLE_WAREHOUSE_URL): migrations, "
        "raw tables, roles and grants, in one transaction",
    )

    bk = command(
        sub,
        "backup",
        cmd_backup,
        help="back up the warehouse (pg_dump) and the archive, with a sha256 manifest",
        description="Write a folder resettle-backup-<UTC time> holding warehouse.dump (pg_dump, "
        "custom format), a copy of the archive and manifest.json with every file's "
        "sha256.",
    )
    add_out(bk, "folder to write the backup into (default: RESETTLE_HOME/backups)")

    rs = command(
        sub,
        "restore",
        cmd_restore,
        help="restore a backup into an empty warehouse and archive",
        description="Check every file against the manifest, then restore the warehouse (roles, "
        "pg_restore in one transaction) and the archive, and run the warehouse set-up. "
        "The warehouse must be empty. Rebuild the marts afterwards.",
    )
    rs.add_argument("folder", help="a resettle-backup-* folder")
    rs.add_argument("--verify-only", action="store_true", help="only check the files against the manifest")

    command(
        sub,
        "staging",
        cmd_staging,
        help="write the dbt sources and staging models from the dataset contracts",
        description="Render dbt_project/models/staging/<source>/ (sources, models, docs) from "
        "expectations/contracts (a test keeps them current).",
    )

    t = command(
        sub,
        "dbt",
        cmd_dbt,
        help="run a dbt command against the warehouse (default: build)",
        description="Pass arguments to dbt with the warehouse profile set, e.g. `resettle dbt build --select marts`.",
    )
    t.add_argument("dbt_args", nargs=argparse.REMAINDER, help="arguments for dbt")
