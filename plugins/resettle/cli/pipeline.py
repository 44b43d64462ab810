"""The pipeline commands: `resettle run` (the DAGs in-process for a month), `resettle demo` and
`resettle airflow up|down` (the real Airflow services on the embedded setup).

`add_commands(subparsers)` adds them to the `resettle` parser, like every module of this package.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import os
import re
import sys
from contextlib import contextmanager
from pathlib import Path

from resettle.cli.options import add_period, add_world, command
from resettle.domain.config import settings
from resettle.domain.periods import add_months, last_due_period


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


def run_period(
    period: str | None,
    build: bool = True,
    verbose: bool = False,
    ingest: bool = True,
    echo=None,
    since: dt.datetime | None = None,
) -> dict:
    """Run the pipeline DAGs in-process for a period: ingest, then build the marts.

    `echo`, when given, receives a progress line per step (files found, ingested, dbt nodes built), each
    with its time. Without `ingest`, build_marts runs alone on every dataset (what the bench compares).
    The build covers the datasets accepted since `since` (default: since this call began), so an ingestion
    run earlier without a build (`build=False`) is built with this one.
    """
    import time

    from resettle import warehouse
    from resettle.airflow import embedded, pipeline, runtime
    from resettle.airflow.preload import preload_in_process, settle_the_living
    from resettle.warehouse.dbt_runner import ensure_manifest, manifest_is_stale

    say = echo or (lambda line: None)
    runtime.quiet_lineage_notice()
    url = warehouse.url(start=True)
    if not (settings().airflow_home / f".migrated-{embedded.AIRFLOW_VERSION}").exists():
        say("setting up Airflow's metadata database (first run only) ...")
    embedded.apply(url)
    if manifest_is_stale():
        say("parsing the dbt project (once per change of the project) ...")
    ensure_manifest()
    os.environ["AIRFLOW__LOGGING__LOGGING_LEVEL"] = "INFO" if verbose else "WARNING"
    os.environ["RESETTLE_DBT_QUIET"] = "0" if verbose else "1"
    os.environ["RESETTLE_IN_PROCESS"] = "1"
    # One task runs at a time in-process: a wave's files are one batch, one task (RESETTLE_INGEST_SLOTS).
    os.environ["RESETTLE_INGEST_SLOTS"] = "1"
    _quiet_logs()
    from airflow.sdk import DagRunState

    result: dict = {}
    started = dt.datetime.now(dt.UTC)
    clock = time.perf_counter()
    preload_in_process(ingest=ingest, build=build)
    if ingest:
        say(f"{period}: ingesting {len(pipeline.find_files(period))} files ...")
        run = load_dag("ingest_submissions").test(run_conf={"period": period})
        result["ingest_submissions"] = str(run.state)
        result["ingest_seconds"] = time.perf_counter() - clock
        if run.state != DagRunState.SUCCESS:
            raise SystemExit(f"ingest_submissions did not succeed for {period}: {run.state}")
        # What the Asset events would name under the scheduler: the datasets this ingestion accepted.
        datasets = pipeline.accepted_since(url, since or started)
        say(f"{period}: ingested in {result['ingest_seconds']:.1f} s; new data in {len(datasets)} datasets")
    else:
        from resettle.domain.contracts import DATASETS

        datasets = list(DATASETS)
    if build:
        clock, build_started = time.perf_counter(), dt.datetime.now(dt.UTC)
        settle_the_living()
        say(f"{period}: building the marts (one dbt build) ...")
        with _progress(url, say, period):
            dag = load_dag("build_marts")
            marts = dag.test(run_conf={"datasets": datasets}, mark_success_pattern=runtime.followers_of_the_build(dag))
        result["build_marts"] = str(marts.state)
        result["build_seconds"] = time.perf_counter() - clock
        if marts.state != DagRunState.SUCCESS:
            raise SystemExit(f"build_marts did not succeed for {period}: {marts.state}")
        embedded.clear_queued_builds("build_marts", after=since or started, before=build_started)
        say(f"{period}: marts built in {result['build_seconds']:.1f} s ({pipeline.last_build_nodes(url)})")
    from resettle.intake.register import submissions

    with warehouse.connect() as conn:
        rows = submissions(conn, period)
    result["submissions"] = pipeline.summarize(rows)
    result["marts"] = pipeline.mart_row_counts(url)
    return result


NODE_IN_QUERY = re.compile(r'"node_id": "[a-z_]+\.[a-z_]+\.([^".]+)')
"""dbt's query comment names the node each statement belongs to."""


@contextmanager
def _progress(url: str, say, period: str, every: float = 15.0, poll: float = 0.5):
    """While dbt builds, a line every `every` seconds: how many dbt nodes have been seen working so far and
    the latest (read from dbt's query comments in pg_stat_activity every `poll` seconds; a node quicker
    than that may go unseen, so the count is a lower bound), so a build is never minutes of silence."""
    import threading
    import time

    import psycopg

    stop = threading.Event()
    began = time.perf_counter()

    def watch() -> None:
        seen: dict[str, None] = {}
        next_line = began + every
        try:
            conn = psycopg.connect(url, autocommit=True, connect_timeout=5)
        except psycopg.Error:
            return
        with conn:
            while not stop.wait(poll):
                try:
                    queries = conn.execute(
                        "select query from pg_stat_activity where state in ('active', 'idle in transaction')"
                        " and pid <> pg_backend_pid()"
                    ).fetchall()
                except psycopg.Error:
                    return
                for (query,) in queries:
                    if query and (m := NODE_IN_QUERY.search(query)):
                        seen.pop(m[1], None)
                        seen[m[1]] = None
                now = time.perf_counter()
                if now >= next_line:
                    next_line = now + every
                    at = f"; dbt nodes so far: {len(seen)}, latest {next(reversed(seen))}" if seen else ""
                    say(f"{period}: still building ({now - began:.0f} s){at}")

    thread = threading.Thread(target=watch, name="build-progress", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=5)


def _quiet_logs() -> None:
    import logging

    for name in ("great_expectations", "airflow.models.dagbag", "airflow.task", "cosmos"):
        logging.getLogger(name).setLevel(logging.WARNING)
    logging.getLogger("openlineage").setLevel(logging.ERROR)


def cmd_run(args: argparse.Namespace) -> int:
    result = run_period(
        args.period,
        build=not args.no_marts,
        verbose=args.verbose,
        ingest=not args.marts_only,
        echo=lambda line: print(line, flush=True),
    )
    print(f"period {args.period}: " + ", ".join(f"{k} {v}" for k, v in result["submissions"].items()))
    for table, n in result["marts"].items():
        print(f"  marts.{table}: {n} rows")
    print("seconds: " + json.dumps({k: round(v, 2) for k, v in result.items() if k.endswith("_seconds")}))
    failed = result["submissions"].get("failed", 0)
    if failed:
        print(
            f"{failed} file(s) failed on our side (status failed; the engineers were alerted): see "
            f"`resettle status --period {args.period}` and the task logs",
            file=sys.stderr,
        )
        return 1
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """Months of generated files run in order; the last one shows what the platform is for: a district
    files late, a file is rejected and its correction accepted, and the alerts land in a local mail catcher."""
    import time

    from resettle import warehouse
    from resettle.devtools.mailcatcher import MailCatcher
    from resettle.warehouse.schema import bootstrap

    last = args.period or last_due_period()
    first = add_months(last, -(args.months - 1))
    # the demo replays generated months: their files' modification times are the history being replayed
    os.environ.setdefault("RESETTLE_RECEIVED_CLOCK", "mtime")
    began = time.perf_counter()

    def step(line: str) -> None:
        print(f"[{time.perf_counter() - began:6.1f} s] {line}", flush=True)

    step("starting the warehouse ...")
    warehouse.url(start=True)
    with warehouse.connect() as conn:
        bootstrap(conn)
    catcher = MailCatcher() if MailCatcher.available() else None
    if catcher:
        catcher.__enter__()
        # every alert of the demo goes to the catcher, whatever mail server this shell has configured
        os.environ["AIRFLOW_CONN_SMTP_DEFAULT"] = catcher.conn_uri()
        step(f"mail catcher listening on 127.0.0.1:{catcher.port}; alerts are mailed there")
    else:
        step("no mail catcher (aiosmtpd is not installed): alerts are logged, not mailed")
    try:
        return _demo(args, first, last, step, catcher)
    finally:
        if catcher:
            catcher.__exit__(None, None, None)


def _demo(args: argparse.Namespace, first: str, last: str, step, catcher) -> int:
    import shutil

    from resettle import warehouse
    from resettle.airflow.alert_tasks import describe, run_check
    from resettle.airflow.pipeline import build_marts, mart_row_counts
    from resettle.devtools.generator import generate
    from resettle.devtools.generator.story import Story, deliver_later
    from resettle.devtools.mailcatcher import inbox_lines
    from resettle.domain import reference
    from resettle.domain.periods import SHANGHAI, zh_month

    landing = settings().landing
    later = settings().home / "demo" / "later"
    shutil.rmtree(later, ignore_errors=True)
    plan = Story(later=later)
    step(f"generating {args.months} months for {args.households:,} households ...")
    report = generate(
        landing,
        first,
        months=args.months,
        seed=args.seed,
        households=args.households,
        inject_errors=args.inject_errors,
        demo=plan,
    )
    story = report.story
    names = {s: src.name_zh for s, src in reference.sources().items()}
    step(f"generated {len(report.files)} files for {first} .. {last} into {landing}")
    # Months are ingested in order (each month's checks read the months before it in raw and ops); the marts
    # are built once, after the last month: a first build builds every month, so the marts are the same.
    since = dt.datetime.now(dt.UTC)
    for i in range(args.months - 1):
        period = add_months(first, i)
        result = run_period(period, build=False, echo=step)
        step(f"ingested {period}: " + ", ".join(f"{k} {v}" for k, v in result["submissions"].items()))

    step(f"{last}: every source but {names[story.late]} sends on time; one file has a mistake")
    run_period(last, build=False, echo=step)
    rejected = _rejected_file(last, story.rejected.name)
    if rejected:
        step(f"{last}: rejected {rejected[0]} (the sender was mailed at once); receipt {rejected[1]}")
    deliver_later(later, landing)
    step(
        f"{last}: the corrected file arrives the next morning; {names[story.late]}'s files on "
        f"{story.late_at.astimezone(SHANGHAI):%m-%d %H:%M}, after the due time"
    )
    result = run_period(last, echo=step, since=since)
    step(f"ran {last}: " + ", ".join(f"{k} {v}" for k, v in result["submissions"].items()))

    moment = story.alert_moment
    when = f"{moment.astimezone(SHANGHAI):%Y-%m-%d %H:%M}"
    step(f"checking alerts as of {when} (after the due time, before {names[story.late]}'s files) ...")
    print(f"  {describe(run_check(warehouse.url(), as_of=moment))}", flush=True)
    step("checking alerts as of now ...")
    print(f"  {describe(run_check(warehouse.url()))}", flush=True)
    build_marts(warehouse.url(), select=["alert_history"])

    if catcher is not None:
        print(f"\nmail catcher inbox ({len(catcher.inbox)} messages):")
        print("\n".join(inbox_lines(catcher.inbox)) or "  (empty: these alerts were sent by an earlier run)")
    print("\nbuilt:")
    for table, n in mart_row_counts(warehouse.url()).items():
        print(f"  marts.{table}: {n} rows")
    accounts = _demo_accounts()
    bulletin = _demo_bulletin(last)
    late, fixed = names[story.late], names[plan.rejected[0]]
    print(f"\n{zh_month(last)}: {late} filed late; {fixed}'s file was rejected, then its correction accepted")
    print("\nopen these three:")
    print(f"  1. the dashboard: .venv/bin/resettle dashboard   then open {dashboard_url()}")
    for username, role, district, password in accounts:
        if role in ("leader", "office") or district == plan.rejected[0]:
            print(f"       log in as {username:<17} password {password}   ({role}{' ' + district if district else ''})")
    print(f"  2. the bulletin: {bulletin}")
    print(f"  3. the rejected file's receipt: {rejected[1] if rejected else '(none: no file was rejected)'}")
    print("\nmore:")
    print("  psql \"$(.venv/bin/resettle warehouse url)\" -c 'select * from marts.district_monthly_progress'")
    print(f"  .venv/bin/resettle status --period {last}   # who sent what, on time or not")
    print("  .venv/bin/resettle airflow up      # the Airflow UI on the same DAGs and warehouse")
    print(f"  validation Data Docs: {settings().home / 'gx/uncommitted/data_docs/local_site/index.html'}")
    print(f"  landing zone: {landing}   archive: {settings().archive}   receipts: {settings().outbox}")
    return 0


def _rejected_file(period: str, file_name: str) -> tuple[str, Path] | None:
    """The demo's rejected file and its receipt, from the register."""
    from resettle import warehouse
    from resettle.intake.receipt import receipt_path

    with warehouse.connect() as conn:
        row = conn.execute(
            "select submission_id, source, file_name from ops.submission"
            " where period = %s and file_name = %s and status = 'rejected' order by received_at limit 1",
            (period, file_name),
        ).fetchone()
    if row is None:
        return None
    return row[2], receipt_path(settings().outbox, row[1], period, row[2], row[0])


def _demo_accounts() -> list[tuple[str, str, str | None, str]]:
    """The demo's dashboard accounts (created now, or by an earlier demo run) with their passwords."""
    from resettle import warehouse
    from resettle.reporting.dashboard.users import RealUsersPresent, demo_accounts, demo_password, ensure_demo_users
    from resettle.warehouse.access import ensure_roles

    with warehouse.connect() as conn:
        ensure_roles(conn)
        try:
            ensure_demo_users(conn)
        except RealUsersPresent as err:
            print(f"no demo users: {err}")
            return []
        enabled = {
            name for (name,) in conn.execute("select username from access.dashboard_user where not disabled").fetchall()
        }
    return [(u, role, d, demo_password(u)) for u, role, d in demo_accounts() if u in enabled]


def _demo_bulletin(period: str) -> Path:
    from resettle import warehouse
    from resettle.reporting.bulletin import write_bulletin

    with warehouse.connect() as conn:
        _, page = write_bulletin(conn, period, settings().outbox / "bulletin")
    return page


def dashboard_url() -> str:
    """Where users open the dashboard: the configured base URL, else the local default port."""
    return settings().base_url or "http://127.0.0.1:8501/"


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


def add_commands(sub) -> None:
    r = command(
        sub,
        "run",
        cmd_run,
        help="run the pipeline DAGs in-process for one reporting month",
        description="Ingest the landing zone's files for a period and build the marts, by "
        "running the Airflow DAGs in this process (dag.test()).",
    )
    add_period(r)
    r.add_argument("--no-marts", action="store_true", help="ingest only; do not run dbt")
    r.add_argument("--marts-only", action="store_true", help="build the marts on every dataset; ingest nothing")
    r.add_argument("--verbose", action="store_true", help="show Airflow's task logs")

    d = command(
        sub,
        "demo",
        cmd_demo,
        help="warehouse up, generate months of data, run them in order, show what was built",
        description="The one-command demo on the embedded setup.",
    )
    add_period(d, "last month to generate (default: the latest month due)", required=False)
    add_world(
        d,
        months=3,
        households=3000,
        errors_help="include the mistakes clerks make, to see rejections and receipts",
    )

    a = command(
        sub,
        "airflow",
        cmd_airflow,
        help="start or stop the real Airflow services on the embedded setup",
        description="Start the API server + UI, scheduler, DAG processor and triggerer "
        "(LocalExecutor, SQLite metadata) on the same DAGs and warehouse.",
    )
    a.add_argument("action", choices=["up", "down"])
    a.add_argument("--port", type=int, default=8080, help="API server / UI port (default 8080)")
