"""The `resettle` command: one entry point for the embedded warehouse, data, runs and Airflow."""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import os
import re
import sys
from pathlib import Path

from resettle.domain.config import SOURCES, settings
from resettle.domain.periods import SHANGHAI, add_months, last_due_period, moment_arg, period_arg

# ---- warehouse -------------------------------------------------------------------------------------------

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
        print("  connect: psql \"$(resettle warehouse url)\"")
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
    print(f"warehouse {warehouse.describe(url)}: schema version {result['from_version']} -> {result['version']} "
          f"(migrations: {ran}); {len(result['roles'])} access roles")
    return 0


def _redact(url: str | None) -> str:
    return re.sub(r"(://[^:/@]+:)[^@]+@", r"\1****@", url or "")


# ---- generate --------------------------------------------------------------------------------------------

def cmd_generate(args: argparse.Namespace) -> int:
    from resettle.devtools.generator import generate

    out = Path(args.out) if args.out else settings().landing
    report = generate(out, args.period, months=args.months, seed=args.seed, households=args.households,
                      inject_errors=args.inject_errors)
    print(f"wrote {len(report.files)} files for {args.months} month(s) from {args.period} into {out}")
    if args.inject_errors:
        print(f"injected {len(report.errors)} clerk mistakes (listed in {out / '_generation.json'})")
    return 0


# ---- run -------------------------------------------------------------------------------------------------

def load_dag(dag_id: str):
    """Import a DAG file from the DAGs folder (file name = dag_id) and return its DAG."""
    from airflow.sdk import DAG

    path = settings().dags_dir / f"{dag_id}.py"
    spec = importlib.util.spec_from_file_location(f"resettle_dag_{dag_id}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    dags = [v for v in vars(module).values() if isinstance(v, DAG) and v.dag_id == dag_id]
    if not dags:
        for value in vars(module).values():
            if callable(value) and getattr(value, "__name__", "") == dag_id:
                return value()
        raise LookupError(f"{path} defines no DAG {dag_id!r}")
    return dags[0]


def run_period(period: str | None, build: bool = True, verbose: bool = False, ingest: bool = True,
               echo=None) -> dict:
    """Run the pipeline DAGs in-process for a period: ingest, then build the marts.

    `echo`, when given, receives a progress line per step (files found, ingested, dbt nodes built), each
    with its time. Without `ingest`, build_marts runs alone on every dataset (what the bench compares).
    """
    import time

    from resettle import warehouse
    from resettle.airflow import embedded, pipeline, runtime
    from resettle.warehouse.dbt_runner import ensure_manifest

    say = echo or (lambda line: None)
    runtime.quiet_lineage_notice()
    url = warehouse.url(start=True)
    embedded.apply(url)
    ensure_manifest()
    os.environ["AIRFLOW__LOGGING__LOGGING_LEVEL"] = "INFO" if verbose else "WARNING"
    os.environ["RESETTLE_DBT_QUIET"] = "0" if verbose else "1"
    os.environ["RESETTLE_IN_PROCESS"] = "1"
    _quiet_logs()
    from airflow.sdk import DagRunState

    result: dict = {}
    started = dt.datetime.now(dt.UTC)
    clock = time.perf_counter()
    if ingest:
        say(f"{period}: ingesting {len(pipeline.find_files(period))} files ...")
        run = load_dag("ingest_submissions").test(run_conf={"period": period})
        result["ingest_submissions"] = str(run.state)
        result["ingest_seconds"] = time.perf_counter() - clock
        if run.state != DagRunState.SUCCESS:
            raise SystemExit(f"ingest_submissions did not succeed for {period}: {run.state}")
        # What the Asset events would name under the scheduler: the datasets this ingestion accepted.
        datasets = pipeline.accepted_since(url, started)
        say(f"{period}: ingested in {result['ingest_seconds']:.1f} s; new data in {len(datasets)} datasets")
    else:
        from resettle.domain.contracts import DATASETS

        datasets = list(DATASETS)
    if build:
        clock = time.perf_counter()
        say(f"{period}: building the marts (one dbt build) ...")
        marts = load_dag("build_marts").test(run_conf={"datasets": datasets})
        result["build_marts"] = str(marts.state)
        result["build_seconds"] = time.perf_counter() - clock
        if marts.state != DagRunState.SUCCESS:
            raise SystemExit(f"build_marts did not succeed for {period}: {marts.state}")
        say(f"{period}: marts built in {result['build_seconds']:.1f} s ({pipeline.last_build_nodes(url)})")
    from resettle.intake.register import submissions

    with warehouse.connect() as conn:
        rows = submissions(conn, period)
    result["submissions"] = pipeline.summarize(rows)
    result["marts"] = pipeline.mart_row_counts(url)
    return result


def _quiet_logs() -> None:
    import logging

    for name in ("great_expectations", "airflow.models.dagbag", "airflow.task", "cosmos"):
        logging.getLogger(name).setLevel(logging.WARNING)
    logging.getLogger("openlineage").setLevel(logging.ERROR)


def cmd_run(args: argparse.Namespace) -> int:
    result = run_period(args.period, build=not args.no_marts, verbose=args.verbose, ingest=not args.marts_only,
                        echo=lambda line: print(line, flush=True))
    print(f"period {args.period}: " + ", ".join(f"{k} {v}" for k, v in result["submissions"].items()))
    for table, n in result["marts"].items():
        print(f"  marts.{table}: {n} rows")
    print("seconds: " + json.dumps({k: round(v, 2) for k, v in result.items() if k.endswith("_seconds")}))
    failed = result["submissions"].get("failed", 0)
    if failed:
        print(f"{failed} file(s) failed on our side (status failed; the engineers were alerted): see "
              f"`resettle status --period {args.period}` and the task logs", file=sys.stderr)
        return 1
    return 0


# ---- demo ------------------------------------------------------------------------------------------------

def cmd_demo(args: argparse.Namespace) -> int:
    from resettle import warehouse
    from resettle.devtools.generator import generate
    from resettle.warehouse.schema import bootstrap

    last = args.period or last_due_period()
    first = add_months(last, -(args.months - 1))
    # the demo replays generated months: their files' modification times are the history being replayed
    os.environ.setdefault("RESETTLE_RECEIVED_CLOCK", "mtime")
    import time

    began = time.perf_counter()

    def step(line: str) -> None:
        print(f"[{time.perf_counter() - began:6.1f} s] {line}", flush=True)

    step("starting the warehouse ...")
    warehouse.url(start=True)
    with warehouse.connect() as conn:
        bootstrap(conn)
    landing = settings().landing
    step(f"generating {args.months} months for {args.households:,} households ...")
    report = generate(landing, first, months=args.months, seed=args.seed, households=args.households,
                      inject_errors=args.inject_errors)
    step(f"generated {len(report.files)} files for {first} .. {last} into {landing}")
    result = {}
    for i in range(args.months):
        period = add_months(first, i)
        result = run_period(period, echo=step)
        step(f"ran {period}: " + ", ".join(f"{k} {v}" for k, v in result["submissions"].items()))
    from resettle.airflow.alert_tasks import describe, run_check
    from resettle.airflow.pipeline import build_marts, mart_row_counts

    step("checking alerts ...")
    alerts = run_check(warehouse.url())
    build_marts(warehouse.url(), select=["alert_history"])
    print(f"alerts as of now: {describe(alerts)}")
    print("\nbuilt:")
    for table, n in mart_row_counts(warehouse.url()).items():
        print(f"  marts.{table}: {n} rows")
    from resettle.reporting.dashboard.users import RealUsersPresent, ensure_demo_users
    from resettle.warehouse.access import ensure_roles

    with warehouse.connect() as conn:
        ensure_roles(conn)
        try:
            accounts = ensure_demo_users(conn)
        except RealUsersPresent as err:
            accounts = []
            print(f"no demo users: {err}")
    print("\ndashboard (leaders, office, districts):")
    print("  .venv/bin/resettle dashboard --port 8501   # then open http://127.0.0.1:8501/")
    for username, role, district, password in accounts:
        print(f"  demo user {username:<20} {role:<9} {district or '':<10} password {password}")
    print(f"  .venv/bin/resettle bulletin --period {last}   # the monthly bulletin (xlsx + print-ready HTML)")
    print("\nnext:")
    print("  psql \"$(.venv/bin/resettle warehouse url)\" -c 'select * from marts.district_monthly_progress'")
    print(f"  .venv/bin/resettle status --period {last}   # who sent what, on time or not")
    print("  .venv/bin/resettle airflow up      # the Airflow UI on the same DAGs and warehouse")
    print(f"  receipts for senders: {settings().outbox}")
    print(f"  validation Data Docs: {settings().home / 'gx/uncommitted/data_docs/local_site/index.html'}")
    print(f"  landing zone: {landing}   archive: {settings().archive}")
    return 0


# ---- airflow ---------------------------------------------------------------------------------------------

def cmd_airflow(args: argparse.Namespace) -> int:
    from resettle import warehouse
    from resettle.airflow import embedded

    if args.action == "down":
        stopped = embedded.down()
        print("stopped: " + (", ".join(stopped) if stopped else "nothing was running"))
        return 0
    from resettle.warehouse.dbt_runner import ensure_manifest

    ensure_manifest()
    info = embedded.up(warehouse.url(start=True), port=args.port)
    print(f"Airflow UI: {info['url']}")
    print(f"  log in as {info['user']} / {info.get('password') or embedded.admin_password()}")
    print(f"  services: {', '.join(info['pids'])}; logs in {settings().airflow_home / 'logs' / 'services'}")
    print("  stop with: resettle airflow down")
    return 0


# ---- status ----------------------------------------------------------------------------------------------

def cmd_status(args: argparse.Namespace) -> int:
    from resettle import warehouse
    from resettle.cli.status import format_table
    from resettle.intake.status import period_status
    from resettle.warehouse.schema import bootstrap

    with warehouse.connect() as conn:
        bootstrap(conn)
        rows = period_status(conn, args.period)
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        print(format_table(rows))
    return 0


# ---- template --------------------------------------------------------------------------------------------

def cmd_template(args: argparse.Namespace) -> int:
    from resettle.reporting.templates import write_templates

    out = Path(args.out) if args.out else Path.cwd()
    for path in write_templates(args.source, args.period, out):
        print(path)
    return 0


# ---- suites ----------------------------------------------------------------------------------------------

def cmd_suites(args: argparse.Namespace) -> int:
    from resettle.intake.suite import export_suites

    for path in export_suites(settings().expectations_dir / "suites"):
        print(path)
    return 0


def cmd_staging(args: argparse.Namespace) -> int:
    from resettle.warehouse import staging

    for path in staging.write():
        print(path)
    return 0


# ---- extensions ------------------------------------------------------------------------------------------

def cmd_extensions(args: argparse.Namespace) -> int:
    from resettle import warehouse
    from resettle.timeliness.expected import extensions, grant_extension
    from resettle.warehouse.schema import bootstrap

    with warehouse.connect() as conn:
        bootstrap(conn)
        if args.action == "grant":
            missing = [flag for flag, value in (("--source", args.source), ("--period", args.period),
                                                ("--until", args.until), ("--by", args.by),
                                                ("--reason", args.reason)) if not value]
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
    if args.json:
        from dataclasses import asdict

        from resettle.cli.terminal import to_json

        print(to_json([{**asdict(e), "due_at": e.due_at.astimezone(SHANGHAI)} for e in granted]))
        return 0
    from resettle.cli.terminal import EMPTY, text_table
    from resettle.domain import reference

    names = {code: s.name_zh for code, s in reference.sources().items()}
    rows = [(names.get(e.source, e.source), e.period, f"{e.due_at.astimezone(SHANGHAI):%Y-%m-%d %H:%M}",
             e.granted_by, e.reason) for e in granted]
    print(text_table(("报送单位", "月份", "延至", "批准人", "原因"), rows) if rows else EMPTY)
    return 0


# ---- backup and restore ----------------------------------------------------------------------------------

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
        print(f"{folder}: {len(manifest['files'])} files match the manifest "
              f"(schema version {manifest['schema_version']}, {manifest['submissions']} submissions)")
        return 0
    result = restore(folder, warehouse.url(start=True), settings().archive)
    print(f"restored {result['submissions']} submissions and {result['archive_files']} archived files into "
          f"{warehouse.describe(warehouse.url())} (schema version {result['backup_schema_version']} -> "
          f"{result['schema_version']}); rebuild the marts: resettle dbt build --full-refresh")
    return 0


# ---- bench -----------------------------------------------------------------------------------------------

def cmd_bench(args: argparse.Namespace) -> int:
    argv = sys.argv[1:]
    args.rows_given = "--rows" in argv
    args.households_given = "--households" in argv or "--months" in argv
    if args.target == "marts":
        from resettle import warehouse
        from resettle.devtools import bench_marts

        print(bench_marts.report(bench_marts.bench_marts(warehouse.url(start=True), args.households, args.months)))
        return 0
    from resettle.devtools import bench

    if args.target == "all":
        marts = (args.households, args.months) if args.households_given else None
        print(bench.bench_all(quick=args.quick, marts=marts, out=Path(args.out) if args.out else None))
        return 0
    if args.target == "xlsx":
        f = bench.bench_xlsx(args.rows if args.rows_given else 100_000)
        print(f"xlsx roster: {f['rows']:,} rows, {f['file_mb']:.1f} MB\n"
              f"python-calamine (the intake's reader): {f['calamine_s']:7.2f} s\n"
              f"openpyxl                            : {f['openpyxl_s']:7.2f} s\n"
              f"ratio: {f['ratio']:.2f}x")
        return 0
    figures = bench.bench_intake(args.rows)
    print(bench.report(figures))
    return 0


# ---- dbt -------------------------------------------------------------------------------------------------

def cmd_dbt(args: argparse.Namespace) -> int:
    from resettle import warehouse
    from resettle.warehouse.dbt_runner import run_dbt

    outcome = run_dbt(args.dbt_args or ["build"], warehouse.url(start=True))
    for failure in outcome.failures:
        print(failure, file=sys.stderr)
    print(json.dumps(outcome.counts))
    return 0 if outcome.success else 1


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

    w = sub.add_parser("warehouse", help="start, stop or locate the warehouse (embedded PostgreSQL by default)",
                       description="Manage the warehouse. Without RESETTLE_WAREHOUSE_URL a local PostgreSQL is "
                                   "kept under .resettle/ and stays up between commands until `down`.")
    w.add_argument("action", choices=["up", "down", "status", "url", "init"],
                   help="up: start and create schemas; down: stop; status: report; url: print a libpq URL; "
                        "init: set up or upgrade an external warehouse (RESETTLE_WAREHOUSE_URL): migrations, "
                        "raw tables, roles and grants, in one transaction")
    w.set_defaults(func=cmd_warehouse)

    g = sub.add_parser("generate", help="write realistic synthetic submissions into a landing folder",
                       description="Generate all datasets for the six districts and five departments, "
                                   "consistent across sources and months. Deterministic for a seed.")
    g.add_argument("--out", help="landing root to write into (default: RESETTLE_LANDING or data/landing)")
    g.add_argument("--period", type=period_arg, required=True, help="first reporting month, YYYY-MM")
    g.add_argument("--months", type=int, default=1, help="number of consecutive months (default 1)")
    g.add_argument("--seed", type=int, default=20191111, help="random seed (default 20191111)")
    g.add_argument("--households", type=int, default=3000, help="households in the simulated city (default 3000)")
    g.add_argument("--inject-errors", action="store_true", help="add the kinds of mistakes clerks make")
    g.set_defaults(func=cmd_generate)

    r = sub.add_parser("run", help="run the pipeline DAGs in-process for one reporting month",
                       description="Ingest the landing zone's files for a period and build the marts, by "
                                   "running the Airflow DAGs in this process (dag.test()).")
    r.add_argument("--period", type=period_arg, required=True, help="reporting month, YYYY-MM")
    r.add_argument("--no-marts", action="store_true", help="ingest only; do not run dbt")
    r.add_argument("--marts-only", action="store_true", help="build the marts on every dataset; ingest nothing")
    r.add_argument("--verbose", action="store_true", help="show Airflow's task logs")
    r.set_defaults(func=cmd_run)

    d = sub.add_parser("demo", help="warehouse up, generate months of data, run them in order, show what was built",
                       description="The one-command demo on the embedded setup.")
    d.add_argument("--period", type=period_arg, help="last month to generate (default: the latest month due)")
    d.add_argument("--months", type=int, default=3, help="number of months (default 3)")
    d.add_argument("--seed", type=int, default=20191111, help="random seed")
    d.add_argument("--households", type=int, default=3000, help="households in the simulated city")
    d.add_argument("--inject-errors", action="store_true",
                   help="include the mistakes clerks make, to see rejections and receipts")
    d.set_defaults(func=cmd_demo)

    a = sub.add_parser("airflow", help="start or stop the real Airflow services on the embedded setup",
                       description="Start the API server + UI, scheduler, DAG processor and triggerer "
                                   "(LocalExecutor, SQLite metadata) on the same DAGs and warehouse.")
    a.add_argument("action", choices=["up", "down"])
    a.add_argument("--port", type=int, default=8080, help="API server / UI port (default 8080)")
    a.set_defaults(func=cmd_airflow)

    st = sub.add_parser("status", help="who has sent what for a period: file, status, rows, errors, on time",
                        description="The submission register for a period, per source and dataset, with the "
                                    "expected datasets not yet received.")
    st.add_argument("--period", type=period_arg, required=True, help="reporting month, YYYY-MM")
    st.add_argument("--json", action="store_true", help="print a JSON list of objects instead of a table")
    st.set_defaults(func=cmd_status)

    tp = sub.add_parser("template", help="write the blank xlsx templates a source fills in",
                        description="Per dataset of the source, the workbook a clerk fills in: title and header "
                                    "the parser expects, drop-downs for coded columns, text-formatted ID and code "
                                    "columns, and a sheet explaining each column.")
    tp.add_argument("--source", required=True, choices=SOURCES, help="the district or department")
    tp.add_argument("--period", type=period_arg, required=True, help="reporting month, YYYY-MM")
    tp.add_argument("--out", help="folder to write into (default: the current folder)")
    tp.set_defaults(func=cmd_template)

    su = sub.add_parser("suites", help="write expectations/suites/*.json from the dataset contracts",
                        description="Render every dataset's Great Expectations suite, as built from its contract, "
                                    "to expectations/suites/<dataset>.json for review (a test keeps them current).")
    su.set_defaults(func=cmd_suites)

    sg = sub.add_parser("staging", help="write the dbt sources and staging models from the dataset contracts",
                        description="Render dbt_project/models/staging/<source>/ (sources, models, docs) from "
                                    "expectations/contracts (a test keeps them current).")
    sg.set_defaults(func=cmd_staging)

    ex = sub.add_parser("extensions", help="grant or list due-time extensions per source and month",
                        description="An extension moves a source's due time for one month; who granted it and why "
                                    "are recorded, and the latest grant is the one in force.")
    ex.add_argument("action", choices=["grant", "list"])
    ex.add_argument("--source", choices=SOURCES, help="the district or department")
    ex.add_argument("--period", type=period_arg, help="reporting month, YYYY-MM")
    ex.add_argument("--until", type=moment_arg, help="new due time, e.g. '2026-10-28 18:00' (Asia/Shanghai)")
    ex.add_argument("--by", help="who granted it")
    ex.add_argument("--reason", help="why")
    ex.add_argument("--json", action="store_true", help="list: print a JSON list of objects instead of a table")
    ex.set_defaults(func=cmd_extensions)

    b = sub.add_parser("bench", help="benchmarks that print their figures",
                       description="Measure speed and memory. `intake`: a household roster CSV of N rows through "
                                   "the full intake, against a plain COPY of the same file. `marts`: a full dbt "
                                   "build against the incremental build of one new month at M months of history "
                                   "(in a scratch database on the warehouse server). `xlsx`: the intake's "
                                   "workbook reader against openpyxl. `all`: every benchmark, written to "
                                   "docs/benchmarks.md.")
    b.add_argument("target", choices=["intake", "xlsx", "marts", "all"], help="what to measure")
    b.add_argument("--rows", type=int, default=1_000_000,
                   help="intake: rows in the generated file (default 1,000,000); xlsx: rows (default 100,000)")
    b.add_argument("--households", type=int, default=200_000, help="marts: households in the city (default 200,000)")
    b.add_argument("--months", type=int, default=24, help="marts: months of history (default 24)")
    b.add_argument("--quick", action="store_true", help="all: small sizes, a smoke test of every benchmark")
    b.add_argument("--out", help="all: where to write the report (default docs/benchmarks.md)")
    b.set_defaults(func=cmd_bench)

    bk = sub.add_parser("backup", help="back up the warehouse (pg_dump) and the archive, with a sha256 manifest",
                        description="Write a folder resettle-backup-<UTC time> holding warehouse.dump (pg_dump, "
                                    "custom format), a copy of the archive and manifest.json with every file's "
                                    "sha256.")
    bk.add_argument("--out", help="folder to write the backup into (default: RESETTLE_HOME/backups)")
    bk.set_defaults(func=cmd_backup)

    rs = sub.add_parser("restore", help="restore a backup into an empty warehouse and archive",
                        description="Check every file against the manifest, then restore the warehouse (roles, "
                                    "pg_restore in one transaction) and the archive, and run the warehouse set-up. "
                                    "The warehouse must be empty. Rebuild the marts afterwards.")
    rs.add_argument("folder", help="a resettle-backup-* folder")
    rs.add_argument("--verify-only", action="store_true", help="only check the files against the manifest")
    rs.set_defaults(func=cmd_restore)

    t = sub.add_parser("dbt", help="run a dbt command against the warehouse (default: build)",
                       description="Pass arguments to dbt with the warehouse profile set, e.g. "
                                   "`resettle dbt build --select marts`.")
    t.add_argument("dbt_args", nargs=argparse.REMAINDER, help="arguments for dbt")
    t.set_defaults(func=cmd_dbt)

    from resettle.cli.alerts import add_commands as add_alert_commands
    from resettle.cli.dashboard import add_commands as add_dashboard_commands

    add_alert_commands(sub)
    add_dashboard_commands(sub)
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
