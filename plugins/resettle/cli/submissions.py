"""The commands about what sources send: `resettle status`, `resettle template`, `resettle suites`
and `resettle extensions grant|list`.

`add_commands(subparsers)` adds them to the `resettle` parser, like every module of this package.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from resettle.cli.options import JSON_HELP, add_json, add_out, add_period, add_source, command
from resettle.cli.terminal import print_listing, table_or_empty
from resettle.domain.config import settings
from resettle.domain.periods import SHANGHAI, moment_arg


def cmd_status(args: argparse.Namespace) -> int:
    from resettle import warehouse
    from resettle.cli.status import format_table
    from resettle.intake.status import period_status
    from resettle.warehouse.schema import bootstrap

    with warehouse.connect() as conn:
        bootstrap(conn)
        rows = period_status(conn, args.period)
    print_listing(args.json, rows, lambda: format_table(rows))
    return 0


def cmd_template(args: argparse.Namespace) -> int:
    from resettle.reporting.templates import write_templates

    out = Path(args.out) if args.out else Path.cwd()
    for path in write_templates(args.source, args.period, out):
        print(path)
    return 0


def cmd_suites(args: argparse.Namespace) -> int:
    from resettle.intake.suite import export_suites

    for path in export_suites(settings().expectations_dir / "suites"):
        print(path)
    return 0


def cmd_extensions(args: argparse.Namespace) -> int:
    from resettle import warehouse
    from resettle.timeliness.expected import extensions, grant_extension
    from resettle.warehouse.schema import bootstrap

    with warehouse.connect() as conn:
        bootstrap(conn)
        if args.action == "grant":
            missing = [
                flag
                for flag, value in (
                    ("--source", args.source),
                    ("--period", args.period),
                    ("--until", args.until),
                    ("--by", args.by),
                    ("--reason", args.reason),
                )
                if not value
            ]
            if missing:
                print(f"error: grant needs {', '.join(missing)}", file=sys.stderr)
                return 2
            try:
                extension_id = grant_extension(conn, args.source, args.period, args.until, args.by, args.reason)
            except ValueError as err:
                print(f"error: {err}", file=sys.stderr)
                return 2
            print(f"extension {extension_id}: {args.source} {args.period} due {args.until.isoformat()}")
            return 0
        granted = list(extensions(conn, args.period).values())
    from dataclasses import asdict

    from resettle.domain import reference

    names = {code: s.name_zh for code, s in reference.sources().items()}
    rows = [
        (
            names.get(e.source, e.source),
            e.period,
            f"{e.due_at.astimezone(SHANGHAI):%Y-%m-%d %H:%M}",
            e.granted_by,
            e.reason,
        )
        for e in granted
    ]
    data = [{**asdict(e), "due_at": e.due_at.astimezone(SHANGHAI)} for e in granted]
    print_listing(args.json, data, lambda: table_or_empty(("报送单位", "月份", "延至", "批准人", "原因"), rows))
    return 0


def add_commands(sub) -> None:
    st = command(
        sub,
        "status",
        cmd_status,
        help="who has sent what for a period: file, status, rows, errors, on time",
        description="The submission register for a period, per source and dataset, with the "
        "expected datasets not yet received.",
    )
    add_period(st)
    add_json(st)

    tp = command(
        sub,
        "template",
        cmd_template,
        help="write the blank xlsx templates a source fills in",
        description="Per dataset of the source, the workbook a clerk fills in: title and header "
        "the parser expects, drop-downs for coded columns, text-formatted ID and code "
        "columns, and a sheet explaining each column.",
    )
    add_source(tp, required=True)
    add_period(tp)
    add_out(tp, "folder to write into (default: the current folder)")

    command(
        sub,
        "suites",
        cmd_suites,
        help="write expectations/suites/*.json from the dataset contracts",
        description="Render every dataset's Great Expectations suite, as built from its contract, "
        "to expectations/suites/<dataset>.json for review (a test keeps them current).",
    )

    ex = command(
        sub,
        "extensions",
        cmd_extensions,
        help="grant or list due-time extensions per source and month",
        description="An extension moves a source's due time for one month; who granted it and why "
        "are recorded, and the latest grant is the one in force.",
    )
    ex.add_argument("action", choices=["grant", "list"])
    add_source(ex)
    add_period(ex, required=False)
    ex.add_argument("--until", type=moment_arg, help="new due time, e.g. '2026-10-28 18:00' (Asia/Shanghai)")
    ex.add_argument("--by", help="who granted it")
    ex.add_argument("--reason", help="why")
    add_json(ex, "list: " + JSON_HELP)
