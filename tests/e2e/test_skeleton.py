"""The walking skeleton end to end on a real PostgreSQL: generated files → `resettle run` (the DAGs,
in-process) → raw → dbt → a mart whose figures match the files."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import psycopg
import pytest

from resettle.airflow.pipeline import failed_files, ingest_month, prepare_warehouse
from resettle.devtools.generator import generate
from resettle.domain.config import SOURCES
from resettle.domain.contracts import datasets_for
from resettle.intake.discover import discover
from resettle.intake.normalize import normalize
from resettle.intake.parse import parse
from resettle.warehouse.dbt_runner import read_manifest

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]
PERIODS = ("2026-09", "2026-10")
BUILT_TOGETHER = ("marts.household_resettlement", "marts.project_joint_review", "intermediate.int_project_units")
FILES_PER_MONTH = sum(len(datasets_for(source)) for source in SOURCES)


def _run(period: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "resettle.cli", "run", "--period", period],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


def _expected_progress(landing: Path) -> pd.DataFrame:
    """District figures straight from the ledger files: in-scope projects (market-developed, categories 1-4)."""
    frames = []
    for landed in discover(landing):
        parsed = parse(landed.path)
        if parsed.dataset != "project_ledger":
            continue
        frame, findings = normalize(parsed)
        assert not findings
        frame["period"] = landed.period
        frames.append(frame)
    ledgers = pd.concat(frames)
    in_scope = ledgers[(ledgers.project_nature == "市场开发") & ledgers.disposal_category.between(1, 4)]
    grouped = in_scope.groupby(["district", "period"]).agg(
        projects=("project_code", "count"),
        households_total=("households_total", "sum"),
        households_unresettled=("households_unresettled", "sum"),
    )
    return grouped.astype(int).sort_index()


@pytest.fixture
def env(resettle_env, warehouse_url) -> dict:
    return {**os.environ, "RESETTLE_WAREHOUSE_URL": warehouse_url, "PYTHONPATH": str(REPO / "plugins")}


def test_generated_months_flow_into_the_district_progress_mart(env, resettle_env, warehouse_url):
    landing = resettle_env["landing"]
    generate(landing, PERIODS[0], months=len(PERIODS), households=600, seed=5)

    for period in PERIODS:
        result = _run(period, env)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        assert "marts.district_monthly_progress" in result.stdout
        assert "Openlineage" not in result.stdout + result.stderr
    with psycopg.connect(warehouse_url) as conn:
        builds = conn.execute("select command, selected from ops.dbt_invocation order by started_at").fetchall()
    # One dbt invocation per build_marts run: the first, on an empty warehouse, builds everything; the next
    # selects what the month's accepted files touch.
    assert len(builds) == len(PERIODS), builds
    assert builds[0] == ("build", "package:resettle")
    assert builds[1][0] == "build" and "source:district.household_roster+" in builds[1][1]
    with psycopg.connect(warehouse_url) as conn:
        first_build_nodes = conn.execute("select nodes from ops.dbt_invocation order by started_at").fetchone()[0]
    nodes = read_manifest()["nodes"].values()
    built = sum(1 for n in nodes if n["resource_type"] in ("model", "seed", "snapshot"))
    data_tests = sum(1 for n in nodes if n["resource_type"] == "test")
    assert first_build_nodes >= built + data_tests, "the build runs every data test with the models"
    with psycopg.connect(warehouse_url) as conn:
        created = dict(conn.execute("select relation, created_at from ops.view_release").fetchall())
        second_build = conn.execute("select started_at from ops.dbt_invocation order by started_at").fetchall()[1][0]
    views = {
        f"{n['schema']}.{n['alias']}"
        for n in nodes
        if n["resource_type"] == "model" and n["config"]["materialized"] == "view"
    }
    assert set(created) == views, "the builds note every view they create"
    assert created["staging.stg_district__household_rosters"] < second_build, (
        "a month created a view of this release again"
    )
    _assert_each_model_has_its_task(resettle_env["home"])
    with psycopg.connect(warehouse_url) as conn:
        # every row a build writes carries the build's time (macros/record_invocation.sql), one for all models
        started = {row[0] for row in conn.execute("select started_at from ops.dbt_invocation")}
        for relation in BUILT_TOGETHER:
            built = {row[0] for row in conn.execute(f"select distinct built_at from {relation}")}
            assert built and built <= started, relation

    with psycopg.connect(warehouse_url) as conn:
        mart = (
            pd.DataFrame(
                conn.execute(
                    "select district, period, projects, households_total, households_unresettled "
                    "from marts.district_monthly_progress"
                ).fetchall(),
                columns=["district", "period", "projects", "households_total", "households_unresettled"],
            )
            .set_index(["district", "period"])
            .astype(int)
            .sort_index()
        )
        statuses = dict(conn.execute("select status, count(*) from ops.submission group by status").fetchall())
        raw_ledger_rows = conn.execute("select count(*) from raw.project_ledger").fetchone()[0]

    expected = _expected_progress(landing)
    assert len(expected) >= len(PERIODS) * 4
    pd.testing.assert_frame_equal(mart, expected)
    # every generated file is accepted; a few carry warnings by design (situations the generator plants)
    assert set(statuses) <= {"accepted", "accepted_with_warnings"}, statuses
    assert sum(statuses.values()) == FILES_PER_MONTH * len(PERIODS), statuses
    ledger_rows_in_files = sum(len(parse(f.path).rows) for f in discover(landing) if "项目台账" in f.file_name)
    assert raw_ledger_rows == ledger_rows_in_files

    again = _run(PERIODS[-1], env)
    assert again.returncode == 0, again.stderr[-3000:]
    with psycopg.connect(warehouse_url) as conn:
        assert conn.execute("select count(*) from ops.dbt_invocation").fetchone()[0] == len(PERIODS) + 1
        rerun = conn.execute("select selected from ops.dbt_invocation order by started_at desc limit 1").fetchone()
        assert "source:" not in rerun[0], "a run that accepted nothing new rebuilds only the register's marts"
        assert conn.execute("select count(*) from ops.submission").fetchone()[0] == FILES_PER_MONTH * len(PERIODS)
        assert conn.execute("select count(*) from raw.project_ledger").fetchone()[0] == raw_ledger_rows


def _assert_each_model_has_its_task(home: Path) -> None:
    """Airflow shows every model of the last build_marts run as a task of its own, watching the one build,
    and no Asset event the run has built is left queued."""
    import json
    import sqlite3

    manifest = json.loads((REPO / "dbt_project" / "target" / "manifest.json").read_text(encoding="utf-8"))
    models = {n["name"] for n in manifest["nodes"].values() if n["resource_type"] == "model"}
    with sqlite3.connect(home / "airflow" / "airflow.db") as db:
        run_id = db.execute(
            "select run_id from dag_run where dag_id = 'build_marts' order by start_date desc limit 1"
        ).fetchone()[0]
        states = dict(
            db.execute(
                "select task_id, state from task_instance where dag_id = 'build_marts' and run_id = ?", (run_id,)
            ).fetchall()
        )
        queued = db.execute("select count(*) from asset_dag_run_queue where target_dag_id = 'build_marts'").fetchone()
    assert states["dbt.dbt_producer_watcher"] == "success"
    runs = {t[len("dbt.") : -len("_run")]: state for t, state in states.items() if t.endswith("_run")}
    assert set(runs) == models and set(runs.values()) == {"success"}, runs
    assert queued == (0,), "the run built its month: no Asset event is left for a scheduler to build again"


def test_every_file_is_archived_under_its_hash_before_anything_else(resettle_env, warehouse_url, monkeypatch):
    """One ingestion run of a month (the DAG's waves, in this process as the other intake tests run them)."""
    monkeypatch.setenv("RESETTLE_WAREHOUSE_URL", warehouse_url)
    landing = resettle_env["landing"]
    generate(landing, PERIODS[0], households=200, seed=9)
    prepare_warehouse(warehouse_url)
    outcomes = ingest_month(PERIODS[0], warehouse_url)
    assert len(outcomes) == FILES_PER_MONTH and not failed_files(outcomes), outcomes
    from resettle.warehouse.backup import sha256_file

    with psycopg.connect(warehouse_url) as conn:
        rows = conn.execute("select landing_path, sha256, archive_path from ops.submission").fetchall()
    assert len(rows) == len(discover(landing))
    for landing_path, sha, archive_path in rows:
        archived = Path(archive_path)
        assert archived.name.startswith(sha) and archived.is_relative_to(resettle_env["archive"])
        assert sha256_file(archived) == sha == sha256_file(Path(landing_path))
