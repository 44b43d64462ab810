"""CLI subcommands `resettle users`, `resettle dashboard`, `resettle bulletin` and `resettle review-sheet`.

`add_commands(subparsers)` registers them on the main parser (resettle.cli). Each handler imports what it
needs when it runs, so `resettle --help` stays fast and Streamlit is only imported by the app process.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from resettle.cli.options import add_json, add_out, add_pdf, add_period, command
from resettle.domain.config import DISTRICTS
from resettle.domain.processes import stop_child

APP = Path(__file__).resolve().parents[1] / "reporting" / "dashboard" / "app.py"
STREAMLIT_FLAGS = (
    "--server.headless",
    "true",
    "--browser.gatherUsageStats",
    "false",
    "--server.fileWatcherType",
    "none",
    "--global.developmentMode",
    "false",
    "--client.toolbarMode",
    "viewer",
    "--client.disableDataExport",
    "true",
)
"""Headless, no telemetry, no deploy menu, and no built-in CSV download of tables: every export goes through
the formula-safe xlsx writer (and the access log, for households)."""


def _admin_connection():
    from resettle import warehouse
    from resettle.warehouse.access import ensure_roles

    warehouse.url(start=True)
    conn = warehouse.connect()
    ensure_roles(conn)
    return conn


def cmd_users(args: argparse.Namespace) -> int:
    from resettle.reporting.dashboard import users

    with _admin_connection() as conn:
        if args.action == "add":
            try:
                password = users.add_user(conn, args.username, args.role, args.district, args.password)
            except users.UserError as err:
                print(f"error: {err}", file=sys.stderr)
                return 2
            print(f"user {args.username} ({args.role}{'/' + args.district if args.district else ''}) saved")
            if not args.password:
                print(f"password (shown once): {password}")
            return 0
        if args.action == "list":
            from resettle.cli.terminal import print_listing, table_or_empty

            listed = users.list_users(conn)
            rows = [
                (u["username"], u["role"], u["district"], "disabled" if u["disabled"] else "active") for u in listed
            ]
            print_listing(args.json, listed, lambda: table_or_empty(("username", "role", "district", "state"), rows))
            return 0
        if args.action == "disable":
            if users.disable_user(conn, args.username):
                print(f"user {args.username} disabled")
                return 0
            print(f"error: no user {args.username}", file=sys.stderr)
            return 1
    raise AssertionError(args.action)


ADDRESS_ENV = "RESETTLE_DASHBOARD_ADDRESS"
"""The address the dashboard binds to: loopback by default; `0.0.0.0` inside a container behind a proxy."""


def streamlit_command(port: int, address: str = "127.0.0.1") -> list[str]:
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(APP),
        "--server.port",
        str(port),
        "--server.address",
        address,
        *STREAMLIT_FLAGS,
    ]


def dashboard_env(login_url: str) -> dict[str, str]:
    """The app's environment: the login role's URL, never the admin's, and no telemetry."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RESETTLE_WAREHOUSE_")}
    env.update(
        {"RESETTLE_DASHBOARD_DB_URL": login_url, "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false", "DO_NOT_TRACK": "1"}
    )
    return env


def _check_login(url: str) -> None:
    """Fail at start, in one line naming the host, when the warehouse cannot be reached as the login role."""
    import psycopg

    from resettle.warehouse import WarehouseError, describe

    try:
        with psycopg.connect(url, connect_timeout=10) as conn:
            conn.execute("select 1")
    except psycopg.OperationalError as err:
        raise WarehouseError(
            f"cannot reach the warehouse at {describe(url)} as the dashboard role: {str(err).strip().splitlines()[-1]}"
        ) from None


def cmd_dashboard(args: argparse.Namespace) -> int:
    from resettle import warehouse
    from resettle.domain.net import free_port
    from resettle.reporting.dashboard import users
    from resettle.warehouse.access import login_url

    if args.no_setup:
        from resettle.domain.config import secret
        from resettle.warehouse.access import PASSWORD_ENV

        secret(PASSWORD_ENV, required=True)
        url = login_url(warehouse.url())
        _check_login(url)
    else:
        with _admin_connection() as conn:
            if args.demo_users:
                try:
                    created = users.ensure_demo_users(conn)
                except users.RealUsersPresent as err:
                    print(f"error: {err}", file=sys.stderr)
                    return 2
                for username, role, district, password in created:
                    print(f"  demo user {username:<22} {role:<9} {district or '':<10} password {password}")
                if not created:
                    print("  demo users exist already (unchanged)")
            elif not users.list_users(conn):
                print("no dashboard users yet: `resettle users add NAME --role leader` (or --demo-users)")
        url = login_url(warehouse.url())
    port = args.port or free_port()
    address = args.address or os.environ.get(ADDRESS_ENV) or "127.0.0.1"
    print(f"dashboard: http://{address}:{port}/  (Ctrl-C to stop)", flush=True)
    return run_child(streamlit_command(port, address), dashboard_env(url))


def run_child(command: list[str], env: dict[str, str]) -> int:
    """Run the Streamlit server as a child that never outlives this command: SIGTERM, SIGHUP or Ctrl-C here
    stop it (terminate, then kill after 10 s) before this process exits."""
    import signal

    def stop(signum, frame):
        raise KeyboardInterrupt

    signals = {signal.SIGTERM, signal.SIGHUP}
    previous = {sig: signal.signal(sig, stop) for sig in signals}
    child = None
    try:
        # A signal arriving while the child starts waits until `child` is known, so it is never orphaned;
        # the child itself starts with the signals unblocked.
        signal.pthread_sigmask(signal.SIG_BLOCK, signals)
        try:
            child = subprocess.Popen(
                command, env=env, preexec_fn=lambda: signal.pthread_sigmask(signal.SIG_UNBLOCK, signals)
            )
        finally:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, signals)
        return child.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if child is not None:
            stop_child(child)


def cmd_bulletin(args: argparse.Namespace) -> int:
    from resettle import warehouse
    from resettle.domain.config import settings
    from resettle.reporting.bulletin import write_bulletin

    warehouse.url(start=True)
    out = Path(args.out) if args.out else settings().outbox / "bulletin"
    with warehouse.connect() as conn:
        xlsx, page = write_bulletin(conn, args.period, out)
    print(f"bulletin for {args.period}:\n  {xlsx}\n  {page}  (open and print to A4 / PDF)")
    if args.pdf:
        from resettle.reporting.bulletin import html_to_pdf

        try:
            print(f"  {html_to_pdf(page)}")
        except (RuntimeError, OSError, subprocess.SubprocessError) as err:
            print(f"error: no PDF: {err}", file=sys.stderr)
            return 1
    return 0


def cmd_review_sheet(args: argparse.Namespace) -> int:
    from resettle import warehouse
    from resettle.domain.config import settings
    from resettle.reporting.review_sheet import write_review_sheet

    warehouse.url(start=True)
    out = Path(args.out) if args.out else settings().outbox / "review"
    try:
        with warehouse.connect() as conn:
            written = write_review_sheet(conn, args.project, args.period, out, pdf=args.pdf)
    except LookupError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except (RuntimeError, OSError, subprocess.SubprocessError) as err:
        print(f"error: no PDF: {err}", file=sys.stderr)
        return 1
    print(f"joint-review sheet of {args.project} for {args.period}:")
    for path in written:
        print(f"  {path}")
    return 0


def add_commands(subparsers) -> None:
    """Register `users`, `dashboard` and `bulletin` on the `resettle` parser's subparsers."""
    u = command(
        subparsers,
        "users",
        cmd_users,
        help="dashboard users: add, list or disable",
        description="Dashboard accounts, stored hashed (scrypt) in access.dashboard_user.",
    )
    actions = u.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", help="add a user (or reset its password and role)")
    add.add_argument("username")
    add.add_argument("--role", required=True, choices=["leader", "office", "district", "engineer"])
    add.add_argument("--district", choices=DISTRICTS, help="required for --role district")
    add.add_argument("--password", help="default: generate one and print it once")
    lst = actions.add_parser("list", help="list users")
    add_json(lst)
    disable = actions.add_parser("disable", help="disable a user (it can no longer log in)")
    disable.add_argument("username")

    d = command(
        subparsers,
        "dashboard",
        cmd_dashboard,
        help="start the leadership dashboard (Streamlit) in the foreground",
        description="Sets up the access roles, then serves the dashboard (on 127.0.0.1 "
        "unless --address or RESETTLE_DASHBOARD_ADDRESS says otherwise).",
    )
    d.add_argument("--port", type=int, default=0, help="default: a free port")
    d.add_argument("--address", help=f"address to bind (default: {ADDRESS_ENV} or 127.0.0.1)")
    d.add_argument(
        "--no-setup",
        action="store_true",
        help="serve only, as the dashboard login role (roles and users were set up by "
        "`resettle warehouse init`); needs no administrator password",
    )
    d.add_argument(
        "--demo-users",
        action="store_true",
        help="create one demo user per role and district with known passwords (demo data only)",
    )

    b = command(subparsers, "bulletin", cmd_bulletin, help="write the monthly bulletin (xlsx + print-ready HTML)")
    add_period(b)
    add_out(b, "folder (default: <outbox>/bulletin)")
    add_pdf(b, "also print the HTML to PDF with a local headless Chromium")

    r = command(
        subparsers,
        "review-sheet",
        cmd_review_sheet,
        help="print one project's joint-review sheet (联审会签表, A4 HTML/PDF)",
    )
    r.add_argument("--project", required=True, help="project code (项目编号)")
    add_period(r)
    add_out(r, "folder (default: <outbox>/review)")
    add_pdf(r, "also print it to PDF with a local headless Chromium")
