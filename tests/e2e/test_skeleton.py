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

from resettle.devtools.generator import generate
from resettle.intake.discover import discover
from resettle.intake.normalize import normalize
from resettle.intake.parse import parse

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]
PERIODS = ("2026-09", "2026-10")


def _run(period: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "resettle.cli", "run", "--period", period], env=env,
                          capture_output=True, text=True, timeout=900)


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
    return {**os.environ, "RESETTLE_WAREHOUSE_URL": warehouse_url,
            "PYTHONPATH": str(REPO / "plugins")}


def test_generated_months_flow_into_the_district_progress_mart(env, resettle_env, warehouse_url):
    landing = resettle_env["landing"]
    generate(landing, PERIODS[0], months=len(PERIODS), households=600, seed=5)

    for period in PERIODS:
        result = _run(period, env)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        assert "marts.district_monthly_progress" in result.stdout

    with psycopg.connect(warehouse_url) as conn:
        mart = pd.DataFrame(
            conn.execute("select district, period, projects, households_total, households_unresettled "
                         "from marts.district_monthly_progress").fetchall(),
            columns=["district", "period", "projects", "households_total", "households_unresettled"],
        ).set_index(["district", "period"]).astype(int).sort_index()
        statuses = dict(conn.execute("select status, count(*) from ops.submission group by status").fetchall())
        raw_ledger_rows = conn.execute("select count(*) from raw.project_ledger").fetchone()[0]

    expected = _expected_progress(landing)
    assert len(expected) >= len(PERIODS) * 4
    pd.testing.assert_frame_equal(mart, expected)
    assert statuses == {"accepted": 23 * len(PERIODS)}
    ledger_rows_in_files = sum(len(parse(f.path).rows) for f in discover(landing) if "项目台账" in f.file_name)
    assert raw_ledger_rows == ledger_rows_in_files

    again = _run(PERIODS[-1], env)
    assert again.returncode == 0, again.stderr[-3000:]
    with psycopg.connect(warehouse_url) as conn:
        assert conn.execute("select count(*) from ops.submission").fetchone()[0] == 23 * len(PERIODS)
        assert conn.execute("select count(*) from raw.project_ledger").fetchone()[0] == raw_ledger_rows


def test_every_file_is_archived_under_its_hash_before_anything_else(env, resettle_env, warehouse_url):
    landing = resettle_env["landing"]
    generate(landing, PERIODS[0], households=200, seed=9)
    result = subprocess.run([sys.executable, "-m", "resettle.cli", "run", "--period", PERIODS[0], "--no-marts"],
                            env=env, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    from resettle.intake.archive import sha256_of

    with psycopg.connect(warehouse_url) as conn:
        rows = conn.execute("select landing_path, sha256, archive_path from ops.submission").fetchall()
    assert len(rows) == len(discover(landing))
    for landing_path, sha, archive_path in rows:
        archived = Path(archive_path)
        assert archived.name.startswith(sha) and archived.is_relative_to(resettle_env["archive"])
        assert sha256_of(archived) == sha == sha256_of(Path(landing_path))
