"""Benchmarks that print their figures, each against a baseline measured in the same run.

`resettle bench intake --rows N` writes a roster CSV of N valid rows (GBK, as districts send it) with the
project ledger it belongs to, then times, each in a fresh process so peak memory is its own: a plain
`COPY` of the file into a bare table of text columns, and the full intake (archive, register, parse,
normalize, the whole validation suite, COPY into raw in one transaction with the register).

`resettle bench xlsx --rows N`: a roster workbook of N rows read by the intake's reader (python-calamine)
against openpyxl. `resettle bench all` runs every benchmark (intake, xlsx, month latency through `dag.test()`
and through the real services, marts, dashboard queries, DAG parse time) and writes `docs/benchmarks.md`;
`--quick` for a smoke test (without the real services, which their own tests start).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from resettle.devtools.generator import people
from resettle.devtools.generator.world import agreement_for
from resettle.domain.contracts import contract

PROJECTS = 250
SOURCE, PERIOD = "xiangyang", "2026-10"


def _templates(rng: random.Random, n: int) -> list[dict]:
    """A pool of distinct, valid household facts, reused across the big file (codes are made unique)."""
    issued: set[str] = set()
    pool = []
    for _ in range(n):
        male = rng.random() < 0.5
        birth = people.random_date(rng, dt.date(1940, 1, 1), dt.date(2000, 12, 31))
        displaced = rng.random() < 0.6
        choices = ["异地产权调换", "原址回迁"] if displaced else ["租赁住房", "原址购房", "未选择"]
        choice = rng.choice(choices)
        agreement = agreement_for().get(choice, "无")
        pool.append(
            {
                "head_name": people.person_name(rng, male),
                "id_number": people.resident_id(rng, "230402", birth, male, issued),
                "phone": people.phone(rng) or "",
                "household_type": "被动迁" if displaced else "现金购房",
                "contract_date": people.random_date(rng, dt.date(2010, 1, 1), dt.date(2018, 12, 31)).isoformat(),
                "contracted_area_m2": f"{rng.randint(45, 140)}.{rng.randint(0, 9)}",
                "has_lawful_residence": "否" if not displaced else rng.choice(["是", "否"]),
                "resettlement_choice": choice,
                "agreement_type": agreement,
                "agreement_date": "2021/3/15" if agreement != "无" else "",
                "petition_level": rng.choice(["无"] * 8 + ["区", "市"]),
            }
        )
    return pool


def _household(pool: list[dict], i: int, per_project: int) -> dict:
    """Household `i` of a benchmark roster, as text cells: facts from the pool with codes of its own, not yet
    resettled; `per_project` households to a project."""
    project = f"XY2012-{i // per_project + 1:03d}"
    return {
        **pool[i % len(pool)],
        "household_code": f"{project}-{i % per_project + 1:04d}",
        "project_code": project,
        "contract_no": f"HT{i:08d}",
        "resettled": "否",
        "resettled_date": "",
        "unit_code": "",
    }


def write_roster(landing: Path, rows: int, seed: int = 7) -> tuple[Path, Path]:
    """A roster CSV of `rows` households over PROJECTS projects, and the ledger xlsx-free CSV they match."""
    rng = random.Random(seed)
    folder = landing / SOURCE / PERIOD
    folder.mkdir(parents=True, exist_ok=True)
    roster_c, ledger_c = contract("household_roster"), contract("project_ledger")
    per_project = -(-rows // PROJECTS)
    pool = _templates(rng, 2000)
    roster = folder / "向阳区居民台账（2026年10月）.csv"
    counts: dict[str, int] = {}
    with roster.open("w", encoding="gb18030", newline="") as fh:
        out = csv.writer(fh)
        out.writerow([c.header_zh for c in roster_c.columns])
        for i in range(rows):
            values = _household(pool, i, per_project)
            counts[values["project_code"]] = counts.get(values["project_code"], 0) + 1
            out.writerow([values.get(c.name, "") for c in roster_c.columns])  # optional columns left empty
    uscc = people.uscc(rng, "230402", 2010)
    ledger = folder / "向阳区项目台账（2026年10月）.csv"
    with ledger.open("w", encoding="gb18030", newline="") as fh:
        out = csv.writer(fh)
        out.writerow([c.header_zh for c in ledger_c.columns])
        for project, n in counts.items():
            values = {
                "project_code": project,
                "project_name": f"测试小区{project[-3:]}",
                "district": "向阳区",
                "developer_name": "鹤岗市测试房地产开发有限公司",
                "developer_uscc": uscc,
                "project_nature": "市场开发",
                "disposal_category": "2",
                "contracted_return_date": "2015-06-30",
                "overdue_reason": "资金链断裂",
                "households_total": str(n),
                "households_unresettled": str(n),
                "resettlement_area_m2": "1,000.5",
                "lead_unit": "区住建局",
                "remarks": "",
            }
            out.writerow([values.get(c.name, "") for c in ledger_c.columns])
    return roster, ledger


def _peak_mb_children() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def _child(mode: str, url: str, path: Path, env_home: Path) -> dict:
    """Run one measured step in a fresh interpreter; it prints its own JSON figures."""
    import os

    env = {
        "RESETTLE_WAREHOUSE_URL": url,
        "RESETTLE_HOME": str(env_home),
        "RESETTLE_ARCHIVE": str(env_home / "archive"),
        "RESETTLE_LANDING": str(path.parents[2]),
        "RESETTLE_OUTBOX": str(env_home / "outbox"),
        # the file was written a moment ago by the bench itself, not by a clerk still uploading it
        "RESETTLE_SETTLE_SECONDS": "0",
    }
    out = subprocess.run(
        [sys.executable, "-m", "resettle.devtools.bench", mode, str(path)],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise RuntimeError(f"bench step {mode} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _plain_copy(path: Path) -> dict:
    import psycopg

    from resettle import warehouse

    names = [c.name for c in contract("household_roster").columns]
    with psycopg.connect(warehouse.url()) as conn:
        conn.execute("drop table if exists public.bench_plain_copy")
        conn.execute(f"create table public.bench_plain_copy ({', '.join(f'{n} text' for n in names)})")
        start = time.perf_counter()
        with (
            conn.cursor() as cur,
            cur.copy(
                "copy public.bench_plain_copy from stdin with (format csv, header true, encoding 'GB18030')"
            ) as cp,
            path.open("rb") as fh,
        ):
            while chunk := fh.read(1 << 20):
                cp.write(chunk)
        conn.commit()
        seconds = time.perf_counter() - start
        rows = conn.execute("select count(*) from public.bench_plain_copy").fetchone()[0]
        conn.execute("drop table public.bench_plain_copy")
        conn.commit()
    return {"seconds": seconds, "rows": rows, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def _intake(path: Path) -> dict:
    import psycopg

    from resettle import warehouse
    from resettle.domain.vocabulary import accepted_statuses
    from resettle.intake.discover import LandedFile
    from resettle.intake.process import process_file

    start = time.perf_counter()
    import great_expectations  # noqa: F401  (a fixed start-up cost of each worker, reported on its own)

    imported = time.perf_counter() - start
    with psycopg.connect(warehouse.url()) as conn:
        start = time.perf_counter()
        outcome = process_file(conn, LandedFile(SOURCE, PERIOD, path))
        seconds = time.perf_counter() - start
    if outcome["status"] not in accepted_statuses():
        raise RuntimeError(f"the bench file was not accepted: {outcome}")
    return {
        "seconds": seconds,
        "import_seconds": imported,
        "rows": outcome["rows_valid"],
        "status": outcome["status"],
        "errors": outcome["errors"],
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def bench_intake(rows: int, repeats: int = 3) -> dict:
    """Write the files once, then time plain COPY and the full intake `repeats` times, each pair on a clean
    database; the figures are the medians (a shared 2-CPU machine's speed drifts by a fifth between runs,
    so one pair would make the ratio a coin toss), with every sample kept."""
    import statistics

    with tempfile.TemporaryDirectory(prefix="resettle-bench-") as tmp:
        tmp_path = Path(tmp)
        started = time.perf_counter()
        roster, ledger = write_roster(tmp_path / "landing", rows)
        written = time.perf_counter() - started
        samples = [_intake_pair(roster, ledger, tmp_path / f"home-{i}") for i in range(repeats)]
    plain = statistics.median(s["plain_copy"]["seconds"] for s in samples)
    intake = statistics.median(s["intake"]["seconds"] for s in samples)
    return {
        "rows": rows,
        "file_mb": samples[0]["file_mb"],
        "write_seconds": written,
        "plain_copy": {**samples[0]["plain_copy"], "seconds": plain},
        "intake": {
            **samples[0]["intake"],
            "seconds": intake,
            "peak_mb": max(s["intake"]["peak_mb"] for s in samples),
            "import_seconds": statistics.median(s["intake"]["import_seconds"] for s in samples),
        },
        "ratio": intake / plain,
        "samples": [(s["plain_copy"]["seconds"], s["intake"]["seconds"]) for s in samples],
    }


def _intake_pair(roster: Path, ledger: Path, home: Path) -> dict:
    """Plain COPY and the full intake of the roster, on a database of their own (the ledger decided first)."""
    import psycopg

    from resettle import warehouse
    from resettle.warehouse.schema import bootstrap
    from resettle.warehouse.server import create_database

    base = warehouse.url(start=True)
    name = f"bench_{int(time.time() * 1000)}"
    admin = base.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        create_database(conn, name)
    url = base.rsplit("/", 1)[0] + f"/{name}"
    try:
        with psycopg.connect(url) as conn:
            bootstrap(conn)
        _child("_intake", url, ledger, home)
        plain = _child("_plain_copy", url, roster, home)
        intake = _child("_intake", url, roster, home)
        return {"plain_copy": plain, "intake": intake, "file_mb": roster.stat().st_size / 1e6}
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'drop database if exists "{name}" with (force)')


def report(figures: dict) -> str:
    plain, intake = figures["plain_copy"], figures["intake"]
    return "\n".join(
        [
            f"household roster: {figures['rows']:,} rows, {figures['file_mb']:.1f} MB (GB18030 CSV)",
            f"plain COPY     : {plain['seconds']:7.2f} s  {plain['rows'] / plain['seconds']:>10,.0f} rows/s"
            f"  peak {plain['peak_mb']:,.0f} MB",
            f"full intake    : {intake['seconds']:7.2f} s  "
            f"{intake['rows'] / max(intake['seconds'], 1e-9):>10,.0f} rows/s"
            f"  peak {intake['peak_mb']:,.0f} MB  ({intake['status']}, {intake['errors']} errors)",
            f"  (plus {intake['import_seconds']:.1f} s once per worker process to import Great Expectations)",
            f"ratio intake / COPY: {figures['ratio']:.2f}x   (target: at most 4x, peak under 2,048 MB)",
            f"  (medians of {len(figures['samples'])} pairs, each on a clean database: "
            + ", ".join(f"{p:.2f}/{i:.2f} s" for p, i in figures["samples"])
            + ")",
        ]
    )


# ---- xlsx ---------------------------------------------------------------------------------------------


def write_roster_xlsx(folder: Path, rows: int, seed: int = 7) -> Path:
    """A roster workbook as a district sends it: a merged title row, the header, N rows (dates as Excel
    date cells, ID numbers as text), a notes row."""
    import openpyxl

    rng = random.Random(seed)
    c = contract("household_roster")
    pool = _templates(rng, 500)
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("居民台账")
    ws.append(["向阳区居民台账（2026年10月）"])
    ws.append([col.header_zh for col in c.columns])
    for i in range(rows):
        values = _household(pool, i, 400)
        values.update(
            resettled_date=None,
            unit_code=None,
            contract_date=dt.date.fromisoformat(values["contract_date"]),
            contracted_area_m2=float(values["contracted_area_m2"]),
        )
        ws.append([values.get(col.name, "") for col in c.columns])  # optional columns left empty
    ws.append(["填报人：张三  联系电话：0468-1234567"])
    path = folder / "向阳区居民台账（2026年10月）.xlsx"
    wb.save(path)
    return path


def _trimmed_rows(sheets):
    """Sheets without trailing empty cells (a workbook without a stored dimension reads ragged in openpyxl)."""

    def trim(row):
        while row and row[-1] is None:
            row = row[:-1]
        return row

    return [(name, [trim(list(r)) for r in rows]) for name, rows in sheets]


def bench_xlsx(rows: int) -> dict:
    """Read the same workbook with the intake's reader and with openpyxl; both must read the same cells."""
    from resettle.intake.parse import read_xlsx_openpyxl
    from resettle.intake.xlsx_reader import read_xlsx

    with tempfile.TemporaryDirectory(prefix="resettle-bench-xlsx-") as tmp:
        path = write_roster_xlsx(Path(tmp), rows)
        start = time.perf_counter()
        ours = read_xlsx(path)
        calamine_s = time.perf_counter() - start
        start = time.perf_counter()
        reference = read_xlsx_openpyxl(path)
        openpyxl_s = time.perf_counter() - start
        if _trimmed_rows(ours) != _trimmed_rows(reference):
            raise RuntimeError("python-calamine and openpyxl read the bench workbook differently")
        return {
            "rows": rows,
            "file_mb": path.stat().st_size / 1e6,
            "calamine_s": calamine_s,
            "openpyxl_s": openpyxl_s,
            "ratio": calamine_s / openpyxl_s,
        }


# ---- month latency -------------------------------------------------------------------------------------


def _scratch(name: str) -> str:
    import psycopg

    from resettle import warehouse
    from resettle.warehouse.server import create_database

    base = warehouse.url(start=True)
    with psycopg.connect(base.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(f'drop database if exists "{name}" with (force)')
        create_database(conn, name)
    return base.rsplit("/", 1)[0] + f"/{name}"


def _cli(args: list[str], env: dict, timeout: int = 3600) -> float:
    start = time.perf_counter()
    _cli_json(args, env, timeout)
    return time.perf_counter() - start


def _cli_json(args: list[str], env: dict, timeout: int = 3600) -> dict:
    """Run `resettle ARGS` in a fresh interpreter; returns the timings it prints last (JSON)."""
    import os

    out = subprocess.run(
        [sys.executable, "-m", "resettle.cli", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if out.returncode != 0:
        raise RuntimeError(f"resettle {' '.join(args)} failed:\n{out.stdout[-2000:]}\n{out.stderr[-3000:]}")
    return json.loads(
        next(line for line in reversed(out.stdout.splitlines()) if line.startswith("seconds: "))[len("seconds: ") :]
    )


def bench_month(households: int, compare_local: bool = True, seed: int = 20191111, history: bool = True) -> dict:
    """Drop one month for a city of N households and time `resettle run` (both DAGs through dag.test())
    until build_marts has finished, after a first month already built (without `history`, the first month
    itself: the quick smoke run); then build_marts alone in the former layout (one dbt invocation per node)
    and in watcher mode, on the same warehouse."""
    from resettle.devtools.generator import generate

    url = _scratch(f"resettle_bench_month_{households}")
    with tempfile.TemporaryDirectory(prefix="resettle-bench-month-") as tmp:
        work = Path(tmp)
        env = {
            "RESETTLE_WAREHOUSE_URL": url,
            **{f"RESETTLE_{n.upper()}": str(work / n) for n in ("landing", "outbox", "archive", "home")},
        }
        generate(work / "landing", "2026-09", months=2 if history else 1, seed=seed, households=households)
        first = _cli(["run", "--period", "2026-09"], env) if history else None
        start = time.perf_counter()
        month = _cli_json(["run", "--period", "2026-10" if history else "2026-09"], env)
        figures = {
            "households": households,
            "first_month_s": first,
            "wall_s": time.perf_counter() - start,
            "month_s": month["ingest_seconds"] + month["build_seconds"],
            "ingest_s": month["ingest_seconds"],
            "build_s": month["build_seconds"],
            "url": url,
            "env": env,
        }
        if compare_local:
            for mode in ("local", "watcher"):
                seconds = _cli_json(
                    ["run", "--period", "2026-10", "--marts-only"], {**env, "RESETTLE_DBT_EXECUTION": mode}
                )
                figures[f"build_{mode}_s"] = seconds["build_seconds"]
        figures["dashboard"] = bench_dashboard(url, env)
    return figures


def _scheduler_progress(url: str, airflow_db: Path, period: str, dropped_at: float) -> tuple[int, bool, bool]:
    """(files of the month decided, a build_marts run started after the drop has succeeded, nothing left
    to run: no DAG run queued or running, no asset event waiting)."""
    import sqlite3

    import psycopg

    from resettle.domain.vocabulary import final_statuses

    with psycopg.connect(url) as conn:
        decided = conn.execute(
            "select count(*) from ops.submission where period = %s and status = any(%s)",
            (period, list(final_statuses())),
        ).fetchone()[0]
    since = dt.datetime.fromtimestamp(dropped_at, dt.UTC).strftime("%Y-%m-%d %H:%M:%S")
    with sqlite3.connect(f"file:{airflow_db}?mode=ro", uri=True, timeout=30) as meta:
        built = meta.execute(
            "select count(*) from dag_run where dag_id = 'build_marts' and state = 'success' "
            "and julianday(start_date) >= julianday(?)",
            (since,),
        ).fetchone()[0]
        busy = meta.execute("select count(*) from dag_run where state in ('queued', 'running')").fetchone()[0]
        waiting = meta.execute("select count(*) from asset_dag_run_queue").fetchone()[0]
    return decided, built > 0, busy == 0 and waiting == 0


def bench_month_scheduler(households: int, seed: int = 20191111, timeout: float = 1800) -> dict:
    """The same month as `bench_month`, dropped into the landing folder of the real Airflow services
    (`resettle airflow up`: API server, scheduler with its LocalExecutor, DAG processor, triggerer), timed
    until `build_marts` has finished and nothing is left to run.

    The first month goes through the same services first, so the month timed is the next month of a running
    deployment (a freshly started API server spends about 2 s on its first task, once). The settle period
    is set to 0 s: files are moved into the landing folder whole, and the 30 s a clerk's upload is given to
    finish is a wait chosen by policy, not work; the landing watcher's poll is included.
    """
    import os

    import psycopg

    from resettle.devtools.generator import generate
    from resettle.domain.config import LANDING_WATCH_STATE
    from resettle.domain.contracts import datasets_for
    from resettle.domain.net import free_port_block
    from resettle.warehouse.schema import bootstrap

    url = _scratch(f"resettle_bench_sched_{households}")
    with psycopg.connect(url) as conn:  # the warehouse a deployment starts with: schemas, no data
        bootstrap(conn)
    with tempfile.TemporaryDirectory(prefix="resettle-bench-sched-") as tmp:
        work = Path(tmp)
        env = {
            "RESETTLE_WAREHOUSE_URL": url,
            "RESETTLE_SETTLE_SECONDS": "0",
            **{f"RESETTLE_{n.upper()}": str(work / n) for n in ("landing", "outbox", "archive", "home")},
        }
        staged = work / "staged"
        generate(staged, "2026-09", months=2, seed=seed, households=households)
        sources = sorted(p.name for p in staged.iterdir() if p.is_dir())
        for source in sources:
            (work / "landing" / source).mkdir(parents=True)
        expected = sum(1 for s in sources for p in (staged / s / "2026-10").glob("*") if p.is_file())
        if expected != sum(len(datasets_for(s)) for s in sources):
            raise RuntimeError("the generated month does not hold one file per source and dataset")

        port = free_port_block()
        full_env = {**os.environ, **env}
        up = subprocess.run(
            [sys.executable, "-m", "resettle.cli", "airflow", "up", "--port", str(port)],
            env=full_env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        airflow_db = work / "home" / "airflow" / "airflow.db"

        def drop(period: str) -> tuple[float, float | None]:
            """Move the month into the landing folder; (seconds until all is built, until all files decided)."""
            dropped_at = time.time()
            start = time.perf_counter()
            for source in sources:
                (staged / source / period).rename(work / "landing" / source / period)
            ingest_s = None
            while True:
                decided, built, idle = _scheduler_progress(url, airflow_db, period, dropped_at)
                elapsed = time.perf_counter() - start
                if ingest_s is None and decided == expected:
                    ingest_s = elapsed
                if decided == expected and built and idle:
                    return elapsed, ingest_s
                if elapsed > timeout:
                    raise RuntimeError(
                        f"{period} after {elapsed:.0f} s: {decided}/{expected} files decided, marts built: {built}"
                    )
                time.sleep(0.5)

        try:
            if up.returncode != 0:
                raise RuntimeError(f"resettle airflow up failed:\n{up.stdout[-2000:]}\n{up.stderr[-3000:]}")
            watch_state = work / "home" / LANDING_WATCH_STATE
            deadline = time.monotonic() + 300
            while not (watch_state.exists() and _scheduler_progress(url, airflow_db, "2026-10", time.time())[2]):
                if time.monotonic() > deadline:
                    raise RuntimeError("the landing watcher did not start, or start-up runs did not finish")
                time.sleep(1)
            drop("2026-09")
            elapsed, ingest_s = drop("2026-10")
        finally:
            subprocess.run(
                [sys.executable, "-m", "resettle.cli", "airflow", "down"],
                env=full_env,
                capture_output=True,
                timeout=120,
                check=False,
            )
    return {"households": households, "files": expected, "month_s": elapsed, "ingest_s": ingest_s}


# ---- dashboard -----------------------------------------------------------------------------------------

PAGES = {
    "总览": lambda w, p: (w.periods(), w.key_figures(p), w.progress(), w.timeliness(p)),
    "各区": lambda w, p: (w.progress(), w.timeliness(None)),
    "项目": lambda w, p: (w.projects(p), w.developers(p), w.housing_supply(p)),
    "住户": lambda w, p: (
        w.household_counts(p),
        w.household_list(p, w.user.district, None, True) if w.user.may_list_households else None,
    ),
    "数据质量": lambda w, p: (w.files(p),),
    "预警": lambda w, p: (w.alerts(p),),
}


def bench_dashboard(url: str, env: dict, repeats: int = 20) -> dict:
    """p95 of each page's queries, as a leader and as a district user (row-level security applies)."""
    import os

    import psycopg

    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        from resettle.reporting.dashboard.auth import authenticate
        from resettle.reporting.dashboard.data import Warehouse
        from resettle.reporting.dashboard.users import add_user
        from resettle.warehouse.access import ensure_roles, login_url

        with psycopg.connect(url) as conn:
            ensure_roles(conn)
            period = conn.execute("select max(period) from marts.district_monthly_progress").fetchone()[0]
            # real accounts of the scratch warehouse, signed in like a person: reads need a session
            accounts = {
                "leader": ("bench_leader", add_user(conn, "bench_leader", "leader")),
                "district": ("bench_district", add_user(conn, "bench_district", "district", "xiangyang")),
            }
            conn.commit()
        users = {}
        with psycopg.connect(login_url(url)) as conn:
            for label, (name, password) in accounts.items():
                signed_in = authenticate(conn, name, password)
                if signed_in is None:
                    raise RuntimeError(f"bench user {name} could not sign in")
                users[label] = signed_in
        result: dict = {}
        for label, user in users.items():
            wh = Warehouse(login_url(url), user)
            for page, queries in PAGES.items():
                times = []
                for _ in range(repeats):
                    start = time.perf_counter()
                    queries(wh, period)
                    times.append(time.perf_counter() - start)
                times.sort()
                result[f"{page} ({label})"] = times[max(0, int(len(times) * 0.95) - 1)] * 1000
        return result
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


# ---- DAG parse time ------------------------------------------------------------------------------------

_PARSE_PROBE = """
import json, sys, time
from airflow.dag_processing.dagbag import DagBag
figures = {}
for path in sys.argv[1:]:
    start = time.perf_counter(); DagBag(dag_folder=path); cold = time.perf_counter() - start
    warm = []
    for _ in range(5):
        start = time.perf_counter(); bag = DagBag(dag_folder=path); warm.append(time.perf_counter() - start)
    figures[path] = {"cold": cold, "warm": sorted(warm)[2], "errors": len(bag.import_errors)}
print(json.dumps(figures))
"""


def bench_dag_parse(one_interpreter: bool = False) -> dict:
    """Each DAG file parsed by Airflow's DagBag in a fresh interpreter with Airflow already imported: the
    first parse (its own imports included) and the median of five more (what the DAG processor pays each
    refresh). With `one_interpreter` (the quick smoke run) the files are parsed one after the other in one
    interpreter, so only the first file's first parse pays the imports the files share."""
    import os

    from resettle.airflow import embedded as embedded_airflow
    from resettle.domain.config import settings

    env = {**os.environ, **embedded_airflow.environment("postgresql://nobody@127.0.0.1:9/none")}
    paths = [str(path) for path in sorted(settings().dags_dir.glob("*.py"))]
    figures = {}
    for batch in [paths] if one_interpreter else [[path] for path in paths]:
        out = subprocess.run(
            [sys.executable, "-c", _PARSE_PROBE, *batch], env=env, capture_output=True, text=True, check=False
        )
        if out.returncode != 0:
            raise RuntimeError(f"parsing {', '.join(Path(p).name for p in batch)} failed:\n{out.stderr[-2000:]}")
        for path, parse in json.loads(out.stdout.strip().splitlines()[-1]).items():
            figures[Path(path).stem] = parse
    return figures


# ---- all -----------------------------------------------------------------------------------------------

SIZES = {
    "full": {
        "intake_rows": 1_000_000,
        "xlsx_rows": 100_000,
        "month_households": (3_000, 20_000),
        "marts": (200_000, 24),
    },
    "quick": {"intake_rows": 20_000, "xlsx_rows": 2_000, "month_households": (300,), "marts": (2_000, 3)},
}


def bench_all(
    quick: bool = False,
    marts: tuple[int, int] | None = None,
    out: Path | None = None,
    month_households: tuple[int, ...] | None = None,
) -> str:
    """Every benchmark, then `docs/benchmarks.md` (or `out`) with each figure, its target and its ratio."""
    from resettle import warehouse
    from resettle.devtools import bench_marts
    from resettle.domain.config import PROJECT_ROOT

    size = SIZES["quick" if quick else "full"]
    started = time.perf_counter()
    rows: list[tuple[str, str, str, str, str]] = []  # (figure, value, target, baseline, ratio)

    intake = bench_intake(size["intake_rows"], repeats=1 if quick else 3)
    rows.append(
        (
            f"intake, {intake['rows']:,}-row GB18030 roster",
            f"{intake['intake']['seconds']:.2f} s",
            "≤ 4× plain COPY",
            f"plain COPY {intake['plain_copy']['seconds']:.2f} s",
            f"{intake['ratio']:.2f}× (medians of {len(intake['samples'])} runs)",
        )
    )
    rows.append(("intake peak memory", f"{intake['intake']['peak_mb']:,.0f} MB", "< 2,048 MB", "", ""))
    rows.append(
        (
            "Great Expectations import (once per worker process)",
            f"{intake['intake']['import_seconds']:.1f} s",
            "once per process",
            "",
            "",
        )
    )
    xlsx = bench_xlsx(size["xlsx_rows"])
    rows.append(
        (
            f"xlsx read, {xlsx['rows']:,}-row roster ({xlsx['file_mb']:.1f} MB)",
            f"{xlsx['calamine_s']:.2f} s",
            "faster than openpyxl",
            f"openpyxl {xlsx['openpyxl_s']:.2f} s",
            f"{xlsx['ratio']:.2f}×",
        )
    )
    dashboard: dict = {}
    sizes = month_households or size["month_households"]
    for households in sizes:
        target = "< 60 s" if households >= 20_000 else "< 20 s" if households >= 3_000 else "smoke"
        # the former layout (one dbt call per node) is timed once, on the smallest city: the demo's
        month = bench_month(households, compare_local=not quick and households == min(sizes), history=not quick)
        first = month["first_month_s"]
        rows.append(
            (
                f"month latency, {households:,} households (drop → build_marts done, dag.test())",
                f"{month['month_s']:.1f} s (ingest {month['ingest_s']:.1f} s, marts {month['build_s']:.1f} s; "
                f"{month['wall_s']:.1f} s with interpreter start)",
                target,
                f"first month {first:.1f} s" if first else "(the first month: a smoke run)",
                f"{month['month_s'] / first:.2f}×" if first else "",
            )
        )
        if not quick:
            sched = bench_month_scheduler(households, seed=20191111)
            rows.append(
                (
                    f"month latency, {households:,} households (drop → build_marts done, real scheduler)",
                    f"{sched['month_s']:.1f} s (all {sched['files']} files decided after {sched['ingest_s']:.1f} s)",
                    target,
                    f"dag.test() {month['month_s']:.1f} s",
                    f"{sched['month_s'] / month['month_s']:.2f}×",
                )
            )
        if "build_local_s" in month:
            rows.append(
                (
                    f"build_marts alone, {households:,} households, watcher (one dbt build)",
                    f"{month['build_watcher_s']:.1f} s",
                    "faster than one dbt call per node",
                    f"local mode {month['build_local_s']:.1f} s",
                    f"{month['build_watcher_s'] / month['build_local_s']:.2f}×",
                )
            )
        dashboard = month["dashboard"]
    for page, ms in dashboard.items():
        rows.append((f"dashboard p95, {page}", f"{ms:.0f} ms", "< 300 ms", "", f"{ms / 300:.2f}× target"))
    households, months = marts or size["marts"]
    m = bench_marts.bench_marts(warehouse.url(start=True), households, months, repeats=1 if quick else 3)
    rows.append(
        (
            f"marts, full build, {m.households:,} households × {m.months} months",
            f"{m.full_build_s:.1f} s (median of {len(m.samples)})",
            "≤ 60 s",
            "",
            "",
        )
    )
    rows.append(
        (
            "marts, incremental month",
            f"{m.incremental_build_s:.1f} s",
            "≤ 20% of full build",
            f"full build {m.full_build_s:.1f} s",
            f"{m.ratio:.0%} (medians of {len(m.samples)} runs)",
        )
    )
    for dag_id, parse in bench_dag_parse(one_interpreter=quick).items():
        rows.append(
            (
                f"DAG parse, {dag_id}",
                f"{parse['warm']:.3f} s",
                "< 0.3 s",
                f"first parse {parse['cold']:.2f} s",
                f"{parse['warm'] / 0.3:.2f}× target",
            )
        )
    text = _report_md(rows, quick, time.perf_counter() - started)
    target = out or PROJECT_ROOT / "docs" / "benchmarks.md"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return text


def _report_md(rows, quick: bool, seconds: float) -> str:
    import os
    import platform

    commit = (
        subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
        ).stdout.strip()
        or "unknown"
    )
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True, check=False
    ).stdout.strip()
    load = os.getloadavg()
    lines = [
        "# Benchmarks",
        "",
        f"`resettle bench all{' --quick' if quick else ''}` at commit `{commit}`"
        f"{' (with local changes)' if dirty else ''}, "
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs, {platform.python_version()}, "
        f"load average {load[0]:.1f} at the end; took {seconds / 60:.1f} min.",
        "Each ratio compares two figures measured in this same run (the baseline column), so a busy machine",
        "moves both; absolute seconds are only as good as the machine was idle.",
        "",
        "| figure | measured | target | baseline (same run) | ratio |",
        "|---|---|---|---|---|",
        *[f"| {a} | {b} | {c} | {d} | {e} |" for a, b, c, d, e in rows],
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    mode = sys.argv[1]
    step = {"_plain_copy": _plain_copy, "_intake": _intake}[mode]
    print(json.dumps(step(Path(sys.argv[2]))))
