"""The `resettle` command: one entry point for the embedded warehouse, data, runs and Airflow."""

from __future__ import annotations

import argparse
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


def run_period(period: str | None, build: bool = True, verbose: bool = False) -> dict:
    """Run the pipeline DAGs in-process for a period: ingest, then build the marts."""
    from resettle import warehouse
    from resettle.airflow import embedded, pipeline
    from resettle.warehouse.dbt_runner import ensure_manifest

    url = warehouse.url(start=True)
    embedded.apply(url)
    ensure_manifest()
    os.environ["AIRFLOW__LOGGING__LOGGING_LEVEL"] = "INFO" if verbose else "WARNING"
    os.environ["RESETTLE_DBT_QUIET"] = "0" if verbose else "1"
    _quiet_logs()
    from airflow.sdk import DagRunState

    ingest = load_dag("ingest_submissions").test(run_conf={"period": period})
    result = {"ingest_submissions": str(ingest.state)}
    if ingest.state != DagRunState.SUCCESS:
        raise SystemExit(f"ingest_submissions did not succeed for {period}: {ingest.state}")
    if build:
        marts = load_dag("build_marts").test()
        result["build_marts"] = str(marts.state)
        if marts.state != DagRunState.SUCCESS:
            raise SystemExit(f"build_marts did not succeed for {period}: {marts.state}")
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
    result = run_period(args.period, build=not args.no_marts, verbose=args.verbose)
    print(f"period {args.period}: " + ", ".join(f"{k} {v}" for k, v in result["submissions"].items()))
    for table, n in result["marts"].items():
        print(f"  marts.{table}: {n} rows")
    return 0


# ---- demo ------------------------------------------------------------------------------------------------

def cmd_demo(args: argparse.Namespace) -> int:
    from resettle import warehouse
    from resettle.devtools.generator import generate
    from resettle.warehouse.schema import bootstrap

    last = args.period or last_due_period()
    first = add_months(last, -(args.months - 1))
    warehouse.url(start=True)
    with warehouse.connect() as conn:
        bootstrap(conn)
    landing = settings().landing
    report = generate(landing, first, months=args.months, seed=args.seed, households=args.households,
                      inject_errors=args.inject_errors)
    print(f"generated {len(report.files)} files for {first} .. {last} into {landing}")
    result = {}
    for i in range(args.months):
        period = add_months(first, i)
        result = run_period(period)
        print(f"ran {period}: " + ", ".join(f"{k} {v}" for k, v in result["submissions"].items()))
    from resettle.airflow.alert_tasks import run_check
    from resettle.airflow.pipeline import build_marts, mart_row_counts

    alerts = run_check(warehouse.url())
    build_marts(warehouse.url(), select=["alert_history"])
    print(f"alerts as of now: {alerts}")
    print("\nbuilt:")
    for table, n in mart_row_counts(warehouse.url()).items():
        print(f"  marts.{table}: {n} rows")
    from resettle.reporting.dashboard.users import ensure_demo_users
    from resettle.warehouse.access import ensure_roles

    with warehouse.connect() as conn:
        ensure_roles(conn)
        accounts = ensure_demo_users(conn)
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
    from resettle.intake.status import format_table, period_status
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
        for e in extensions(conn, args.period).values():
            print(f"{e.source:<16}{e.period:<9}{e.due_at.astimezone(SHANGHAI):%Y-%m-%d %H:%M}  "
                  f"{e.granted_by}：{e.reason}")
    return 0


# ---- bench -----------------------------------------------------------------------------------------------

def cmd_bench(args: argparse.Namespace) -> int:
    if args.target == "marts":
        from resettle import warehouse
        from resettle.devtools import bench_marts

        print(bench_marts.report(bench_marts.bench_marts(warehouse.url(start=True), args.households, args.months)))
        return 0
    from resettle.devtools import bench

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


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="resettle",
        description="Overdue relocation-resettlement data platform: intake, validation, warehouse and marts.",
        epilog="Paths: RESETTLE_LANDING (data/landing), RESETTLE_OUTBOX (data/outbox), RESETTLE_HOME (.resettle); "
               "RESETTLE_WAREHOUSE_URL selects an external PostgreSQL instead of the embedded one.",
    )
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    w = sub.add_parser("warehouse", help="start, stop or locate the warehouse (embedded PostgreSQL by default)",
                       description="Manage the warehouse. Without RESETTLE_WAREHOUSE_URL a local PostgreSQL is "
                                   "kept under .resettle/ and stays up between commands until `down`.")
    w.add_argument("action", choices=["up", "down", "status", "url"],
                   help="up: start and create schemas; down: stop; status: report; url: print a libpq URL")
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
    ex.set_defaults(func=cmd_extensions)

    b = sub.add_parser("bench", help="benchmarks that print their figures",
                       description="Measure speed and memory. `intake`: a household roster CSV of N rows through "
                                   "the full intake, against a plain COPY of the same file. `marts`: a full dbt "
                                   "build against the incremental build of one new month at M months of history "
                                   "(in a scratch database on the warehouse server).")
    b.add_argument("target", choices=["intake", "marts"], help="what to measure")
    b.add_argument("--rows", type=int, default=1_000_000, help="intake: rows in the generated file (default 1,000,000)")
    b.add_argument("--households", type=int, default=200_000, help="marts: households in the city (default 200,000)")
    b.add_argument("--months", type=int, default=24, help="marts: months of history (default 24)")
    b.set_defaults(func=cmd_bench)

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
    from resettle.warehouse import WarehouseError

    try:
        return args.func(args)
    except WarehouseError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
