"""Benchmark: a full `dbt build` against the incremental build of one new month, at M months of history.

`resettle bench marts --households N --months M` generates one month of every source's files (for a city of
N households, or of GENERATED_HOUSEHOLDS whose rosters are then copied under new household codes until
they hold N: the generator is not what is measured), ingests them through the real intake into a scratch
database on the warehouse server, and copies that month's accepted submissions back in time (SQL, new
submission ids and periods) until the warehouse holds M months. It then times `dbt build --full-refresh`
(seeds, snapshots, every model and data test), adds one more month the same way and times the build a
monthly run does (`plan_dbt_build`'s selection when every dataset received data), on a vacuumed warehouse
as a month's run finds it. Neither runs dbt's unit tests, which the pipeline leaves to the test suite.
Both are timed three times (the new month taken out again before each full build) and the medians reported,
with every pair: the speed of a shared 2-CPU machine drifts by a fifth between runs.
History is copied rather than generated so that the figures measure dbt, not the generator or the intake.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg

from resettle.domain.contracts import DATASETS
from resettle.domain.periods import add_months
from resettle.domain.vocabulary import accepted_statuses
from resettle.warehouse.server import create_database

BENCH_DB = "resettle_bench_marts"
GENERATED_HOUSEHOLDS = 20_000
BASE_PERIOD = "2026-10"
SLOWEST = 6


@dataclass
class MartsFigures:
    households: int
    months: int
    history_rows: int
    setup_s: float
    full_counts: dict
    incremental_counts: dict
    full_slowest: list
    incremental_slowest: list
    samples: list  # (full build s, incremental build s) of each pair, in the order run

    @property
    def full_build_s(self) -> float:
        return statistics.median(full for full, _ in self.samples)

    @property
    def incremental_build_s(self) -> float:
        return statistics.median(incremental for _, incremental in self.samples)

    @property
    def ratio(self) -> float:
        return self.incremental_build_s / self.full_build_s


def _scratch_url(server_url: str) -> str:
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'drop database if exists "{BENCH_DB}" with (force)')
        create_database(conn, BENCH_DB)
    return server_url.rsplit("/", 1)[0] + f"/{BENCH_DB}"


def _ingest_month(url: str, households: int, period: str, seed: int) -> None:
    """Generate and ingest one month through the real intake (ledgers and feeds first, then the rest)."""
    from resettle.airflow import pipeline
    from resettle.devtools.generator import generate

    with tempfile.TemporaryDirectory(prefix="resettle-bench-marts-") as folder:
        work = Path(folder)
        for name in ("landing", "outbox", "archive"):
            (work / name).mkdir()
            os.environ[f"RESETTLE_{name.upper()}"] = str(work / name)
        generate(work / "landing", period, months=1, seed=seed, households=households)
        pipeline.prepare_warehouse(url)
        for outcome in pipeline.ingest_month(period, url):
            if outcome["status"] not in accepted_statuses():
                raise RuntimeError(f"bench data was not accepted: {outcome}")


def grow_rosters(conn: psycopg.Connection, period: str, households: int) -> int:
    """Copy the month's roster rows under new household codes (and pseudonyms, no flat) until the month
    holds at least `households` households; returns how many it holds."""
    have = conn.execute("select count(*) from raw.household_roster where period = %s", (period,)).fetchone()[0]
    copies = -(-households // have) - 1 if have else 0
    if copies <= 0:
        return have
    columns = [
        r[0]
        for r in conn.execute(
            """select column_name from information_schema.columns
           where table_schema = 'raw' and table_name = 'household_roster' order by ordinal_position"""
        )
    ]
    changed = {
        "household_code": "r.household_code || '-' || copy",
        "id_pseudonym": "r.id_pseudonym || '-' || copy",
        "unit_code": "null",
        "source_row": "r.source_row + copy * 1000000",
    }
    with conn.transaction():
        conn.execute(
            f"""insert into raw.household_roster ({", ".join(columns)})
                select {", ".join(changed.get(c, "r." + c) for c in columns)}
                from raw.household_roster as r cross join generate_series(1, %s) as copy
                where r.period = %s""",
            (copies, period),
        )
    return have * (copies + 1)


def copy_month(conn: psycopg.Connection, from_period: str, to_period: str) -> int:
    """Copy the accepted submissions of one month (register rows and raw rows) to another month.

    Returns the raw rows written. The copies are registered as accepted files received a whole number of
    months apart, so staging, lineage and the incremental logic treat them like real submissions.
    """
    months = (int(to_period[:4]) * 12 + int(to_period[5:])) - (int(from_period[:4]) * 12 + int(from_period[5:]))
    written = 0
    with conn.transaction():
        conn.execute(
            """create temporary table id_map on commit drop as
               select submission_id as old_id, nextval('ops.submission_submission_id_seq') as new_id
               from ops.submission
               where period = %s and submission_id in (select submission_id from ops.submission_in_force)""",
            (from_period,),
        )
        conn.execute(
            """insert into ops.submission
                   (submission_id, source, dataset, period, file_name, landing_path, sha256, size_bytes, received_at,
                    archive_path, status, rows_total, rows_valid, errors, warnings, message_zh, processed_at)
               select m.new_id, s.source, s.dataset, %(to)s, s.file_name, s.landing_path, s.sha256,
                      s.size_bytes, s.received_at + make_interval(months => %(months)s), s.archive_path, s.status,
                      s.rows_total, s.rows_valid, s.errors, s.warnings, s.message_zh, now()
               from ops.submission as s join id_map as m on s.submission_id = m.old_id""",
            {"to": to_period, "months": months},
        )
        for dataset in DATASETS:
            columns = [
                r[0]
                for r in conn.execute(
                    """select column_name from information_schema.columns
                   where table_schema = 'raw' and table_name = %s and column_name not in ('submission_id', 'period')
                   order by ordinal_position""",
                    (dataset,),
                )
            ]
            listed = ", ".join(columns)
            cur = conn.execute(
                f"""insert into raw.{dataset} (submission_id, period, {listed})
                    select m.new_id, %s, {", ".join("r." + c for c in columns)}
                    from raw.{dataset} as r join id_map as m on r.submission_id = m.old_id""",
                (to_period,),
            )
            written += cur.rowcount
    return written


def _timed_build(args: list[str], url: str, target: str) -> tuple[float, dict, list[tuple[float, str]]]:
    """Run dbt into the bench's target folder; return the wall time, result counts and the slowest nodes.

    The folder is parsed first, untimed: a run's build starts from the parsed project (the DAG's tasks are
    rendered from its manifest), so the figure is the build's, not a parse's (the bench's first parse is a
    whole one, the next ones read it again). Like the pipeline's build, it writes no manifest.json or
    run_results.json (about 0.3 s): the nodes' times come from dbt's result."""
    from resettle.warehouse.dbt_runner import run_dbt

    parsed = run_dbt(["parse", "--target-path", target], url)
    if not parsed.success:
        raise RuntimeError("dbt parse failed during the benchmark:\n" + "\n".join(parsed.failures[:20]))
    start = time.perf_counter()
    outcome = run_dbt([*args, "--no-write-json", "--target-path", target], url)
    elapsed = time.perf_counter() - start
    if not outcome.success:
        raise RuntimeError("dbt failed during the benchmark:\n" + "\n".join(outcome.failures[:20]))
    slowest = sorted(((seconds, node) for node, seconds in outcome.seconds.items()), reverse=True)[:SLOWEST]
    return elapsed, outcome.counts, slowest


def remove_month(conn: psycopg.Connection, period: str) -> None:
    """Take a month copied by `copy_month` out again (raw rows and register rows)."""
    with conn.transaction():
        for dataset in DATASETS:
            conn.execute(f"delete from raw.{dataset} where period = %s", (period,))
        conn.execute("delete from ops.submission where period = %s", (period,))


def bench_marts(
    server_url: str, households: int = 200_000, months: int = 24, seed: int = 20191111, repeats: int = 3
) -> MartsFigures:
    """Build M months of history for N households, then time the full and the incremental build, `repeats`
    times (the new month taken out again before the next full build); the figures are the medians."""
    from resettle.airflow.runtime import (
        DBT_THREADS,
        INDIRECT_SELECTION,
        PIPELINE_EXCLUDE,
        dbt_exclusion,
        dbt_selection,
    )
    from resettle.warehouse.dbt_runner import ensure_manifest, read_manifest, stale_seeds

    if months < 2:
        raise ValueError("--months must be at least 2 (history plus the month being added)")
    start = time.perf_counter()
    url = _scratch_url(server_url)
    _ingest_month(url, min(households, GENERATED_HOUSEHOLDS), BASE_PERIOD, seed)
    rows = 0
    with psycopg.connect(url, autocommit=True) as conn:
        households = grow_rosters(conn, BASE_PERIOD, households)
        for back in range(1, months):
            rows += copy_month(conn, BASE_PERIOD, add_months(BASE_PERIOD, -back))
        # A full refresh runs on a warehouse whose history was loaded over months, long since vacuumed; right
        # after loading two years at once, autovacuum would go through millions of rows alongside the build.
        conn.execute("vacuum (analyze)")
    setup = time.perf_counter() - start
    # Both builds are the pipeline's: with its dbt threads, without dbt's unit tests (PIPELINE_EXCLUDE); the
    # new month's build selects and leaves out what `plan_dbt_build` does when every dataset received data.
    threads = ["--threads", str(DBT_THREADS)]
    new_month = add_months(BASE_PERIOD, 1)
    ensure_manifest()
    manifest = read_manifest()
    samples: list[tuple[float, float]] = []
    with tempfile.TemporaryDirectory(prefix="resettle-bench-dbt-") as target:
        for run in range(repeats):
            full_s, full_counts, full_slowest = _timed_build(
                ["build", "--full-refresh", "--exclude", PIPELINE_EXCLUDE, *threads], url, target
            )
            with psycopg.connect(url, autocommit=True) as conn:
                # A month's run comes weeks after the build before it, when autovacuum has long been through the
                # tables that build wrote; right after a full build it would be vacuuming millions of rows alongside.
                conn.execute("vacuum (analyze)")
                copy_month(conn, BASE_PERIOD, new_month)
                conn.execute("analyze")
            selected = dbt_selection(list(DATASETS), False, stale_seeds(url, manifest), manifest=manifest)
            monthly = [
                "build",
                "--select",
                selected,
                "--exclude",
                dbt_exclusion(selected, url, manifest),
                *INDIRECT_SELECTION,
                *threads,
            ]
            incremental_s, incremental_counts, incremental_slowest = _timed_build(monthly, url, target)
            samples.append((full_s, incremental_s))
            if run < repeats - 1:  # the next full build reads the same months as this one
                with psycopg.connect(url, autocommit=True) as conn:
                    remove_month(conn, new_month)
                    conn.execute("vacuum (analyze)")
    with psycopg.connect(url, autocommit=True) as conn:
        history_rows = sum(conn.execute(f"select count(*) from raw.{d}").fetchone()[0] for d in DATASETS)
    return MartsFigures(
        households,
        months,
        history_rows,
        setup,
        full_counts,
        incremental_counts,
        full_slowest,
        incremental_slowest,
        samples,
    )


def report(f: MartsFigures) -> str:
    target = "met" if f.ratio <= 0.20 else "NOT met"
    return "\n".join(
        [
            f"marts benchmark: {f.households:,} households, {f.months} months of history "
            f"({f.history_rows:,} raw rows after the new month)",
            f"  setup (generate, ingest one month, copy history): {f.setup_s:7.1f} s",
            f"  full build (dbt build --full-refresh):             {f.full_build_s:7.1f} s  {f.full_counts}",
            f"  incremental build of one new month (a month's run): {f.incremental_build_s:5.1f} s  "
            f"{f.incremental_counts}",
            f"  ratio incremental / full: {f.ratio:.1%} (target at most 20%: {target})",
            f"  (medians of {len(f.samples)} pairs, full / incremental: "
            + ", ".join(f"{full:.1f} / {incremental:.1f} s" for full, incremental in f.samples)
            + ")",
            "  slowest nodes, full build:        " + _nodes(f.full_slowest),
            "  slowest nodes, incremental build: " + _nodes(f.incremental_slowest),
        ]
    )


def _nodes(slowest: list[tuple[float, str]]) -> str:
    return ", ".join(f"{node.split('.', 2)[-1]} {seconds:.1f} s" for seconds, node in slowest)
