"""`resettle backup` and `resettle restore`: a warehouse and its archive restored into an empty warehouse,
then rebuilt, give the same marts byte for byte; a damaged backup or a non-empty target is refused."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from resettle.airflow.pipeline import build_marts, ingest_month, prepare_warehouse
from resettle.airflow.runtime import PIPELINE_EXCLUDE
from resettle.devtools.generator import generate
from resettle.warehouse.backup import sha256_file
from resettle.warehouse.checksums import mart_checksums
from resettle.warehouse.dbt_runner import run_dbt
from tests.databases import fresh_database

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]
FIRST = "2026-08"


def _cli(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "resettle.cli", *args], env=env, capture_output=True, text=True, timeout=900
    )


@pytest.fixture
def empty_warehouse(pg_server):
    """A second fresh database, beside `warehouse_url`, to restore into."""
    with fresh_database(pg_server, "t_restore") as url:
        yield url


def test_backup_restore_rebuild_gives_identical_marts(
    resettle_env, warehouse_url, empty_warehouse, tmp_path, monkeypatch
):
    monkeypatch.setenv("RESETTLE_WAREHOUSE_URL", warehouse_url)
    monkeypatch.setenv("RESETTLE_PSEUDONYM_KEY", "p" * 64)
    generate(resettle_env["landing"], FIRST, months=2, households=250, seed=11, inject_errors=True)
    prepare_warehouse(warehouse_url)
    for period in (FIRST, "2026-09"):
        ingest_month(period, warehouse_url)
        build_marts(warehouse_url)
    before = mart_checksums(warehouse_url)
    assert before["household_resettlement"][0] > 0

    env = {**os.environ, "PYTHONPATH": str(REPO / "plugins")}
    made = _cli("backup", "--out", str(tmp_path / "backups"), env=env)
    assert made.returncode == 0, made.stderr
    folder = Path(made.stdout.strip().rsplit(": ", 1)[1])
    manifest = json.loads((folder / "manifest.json").read_text())
    archived = sorted(p for p in resettle_env["archive"].rglob("*") if p.is_file())
    assert len(manifest["files"]) == len(archived) + 1
    assert all(
        manifest["files"][f"archive/{p.relative_to(resettle_env['archive'])}"] == sha256_file(p) for p in archived
    )

    new_archive = tmp_path / "restored-archive"
    target = {**env, "RESETTLE_WAREHOUSE_URL": empty_warehouse, "RESETTLE_ARCHIVE": str(new_archive)}
    restored = _cli("restore", str(folder), env=target)
    assert restored.returncode == 0, restored.stderr
    assert "rebuild the marts" in restored.stdout

    # the rebuild the restore asks for, without dbt's unit tests (the dbt project's own test runs those)
    outcome = run_dbt(["build", "--full-refresh", "--exclude", PIPELINE_EXCLUDE], empty_warehouse)
    assert outcome.success, outcome.failures
    assert mart_checksums(empty_warehouse) == before
    with psycopg.connect(empty_warehouse) as conn:
        paths = [Path(p) for (p,) in conn.execute("select archive_path from ops.submission")]
    assert paths and all(p.is_file() and p.is_relative_to(new_archive) for p in paths)
    assert {sha256_file(p) for p in new_archive.rglob("*") if p.is_file()} == {sha256_file(p) for p in archived}

    again = _cli("restore", str(folder), env=target)
    assert again.returncode == 2
    assert again.stderr.strip().startswith("error: the warehouse at ") and "is not empty" in again.stderr


def test_a_damaged_backup_is_refused_before_anything_is_restored(tmp_path, empty_warehouse):
    folder = tmp_path / "resettle-backup-x"
    (folder / "archive" / "ab").mkdir(parents=True)
    (folder / "warehouse.dump").write_bytes(b"dump")
    (folder / "archive" / "ab" / "ab.csv").write_bytes(b"changed")
    (folder / "manifest.json").write_text(
        json.dumps(
            {
                "format": 1,
                "schema_version": 3,
                "submissions": 1,
                "archive_root": "/data/archive",
                "files": {"warehouse.dump": sha256_file(folder / "warehouse.dump"), "archive/ab/ab.csv": "0" * 64},
            }
        )
    )
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO / "plugins"),
        "RESETTLE_WAREHOUSE_URL": empty_warehouse,
        "RESETTLE_ARCHIVE": str(tmp_path / "archive"),
    }
    result = _cli("restore", str(folder), env=env)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"error: {folder / 'archive/ab/ab.csv'} does not match its sha256 in the manifest: the backup is damaged"
    )
    assert not (tmp_path / "archive").exists()
    with psycopg.connect(empty_warehouse) as conn:
        assert conn.execute("select to_regclass('ops.submission')").fetchone() == (None,)
