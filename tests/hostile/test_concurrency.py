"""Two runs of the same month at once (`resettle run` beside Airflow, the event-driven beside the hourly run)
leave exactly what one run leaves: the same register decisions and the same rows in `raw`, each row once.

A small generated world (300 households, one month, a district and two departments) is ingested by two
separate processes started together, each walking the files the way the DAG does, and by one process alone in another
database; the two warehouses are then compared."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from resettle.devtools.generator import generate
from resettle.domain.contracts import DATASETS
from tests.databases import fresh_database

pytestmark = pytest.mark.integration
PERIOD = "2026-10"
REPO = Path(__file__).resolve().parents[2]
KEPT = ("xingan", "tax", "police")

RUN = """
import sys
from resettle.airflow import pipeline
url, period = sys.argv[1], sys.argv[2]
pipeline.prepare_warehouse(url)
pipeline.ingest_month(period, url)
"""


def _start(url: str, env: dict) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", RUN, url, PERIOD],
        env=env,
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _state(url: str) -> dict:
    """The register's decisions and a digest of every raw row, keyed by file name, not by submission id."""
    with psycopg.connect(url) as conn:
        register = sorted(
            conn.execute(
                """select s.source, s.file_name, s.status, s.rows_valid, w.file_name
               from ops.submission s left join ops.submission w on w.submission_id = s.superseded_by"""
            ).fetchall()
        )
        raw = {}
        for dataset in DATASETS:
            rows = conn.execute(
                f"""select s.file_name, r.source_row, to_jsonb(r) - 'submission_id'
                    from raw.{dataset} r join ops.submission s using (submission_id)
                    order by 1, 2"""
            ).fetchall()
            keys = [(f, n) for f, n, _ in rows]
            assert len(keys) == len(set(keys)), f"raw.{dataset} holds a row twice"
            raw[dataset] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest())
    return {"register": register, "raw": raw}


def test_two_runs_of_the_same_month_at_once_equal_one_run(pg_server, tmp_path):
    landing = tmp_path / "landing"
    generate(landing, PERIOD, months=1, seed=11, households=300)
    for folder in landing.iterdir():  # a district and two departments are enough to meet, and quick
        if folder.is_dir() and folder.name not in KEPT:
            shutil.rmtree(folder)
    env = {
        **os.environ,
        "RESETTLE_LANDING": str(landing),
        "RESETTLE_RECEIVED_CLOCK": "mtime",
        "RESETTLE_SETTLE_SECONDS": "0",
        "PYTHONPATH": str(REPO),
        "RESETTLE_HOME": str(tmp_path / "home"),
    }
    with fresh_database(pg_server, "t_conc") as together, fresh_database(pg_server, "t_conc") as alone:
        runs = []
        for name in ("a", "b"):
            run_env = {**env, **{f"RESETTLE_{p.upper()}": str(tmp_path / f"{p}_{name}") for p in ("outbox", "archive")}}
            runs.append(_start(together, run_env))
        outputs = [run.communicate(timeout=600)[0] for run in runs]
        assert [run.returncode for run in runs] == [0, 0], outputs
        single = _start(
            alone, {**env, **{f"RESETTLE_{p.upper()}": str(tmp_path / f"{p}_c") for p in ("outbox", "archive")}}
        )
        output = single.communicate(timeout=600)[0]
        assert single.returncode == 0, output
        concurrent_state, single_state = _state(together), _state(alone)
        assert sum(n for n, _ in single_state["raw"].values()) > 50
        assert concurrent_state == single_state
