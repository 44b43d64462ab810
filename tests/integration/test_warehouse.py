"""The embedded warehouse: started by the CLI, kept between commands, reachable by psql and psycopg."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

pytestmark = pytest.mark.integration

RESETTLE = [sys.executable, "-m", "resettle.cli"]


def _cli(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([*RESETTLE, *args], env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture
def cli_env(tmp_path) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "RESETTLE_WAREHOUSE_URL"}
    env["RESETTLE_HOME"] = str(tmp_path / "home")
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2] / "plugins")
    yield env
    _cli("warehouse", "down", env=env)


def test_warehouse_up_url_status_down_round_trip(cli_env):
    up = _cli("warehouse", "up", env=cli_env)
    assert up.returncode == 0, up.stderr
    url = _cli("warehouse", "url", env=cli_env).stdout.strip()
    assert url.startswith("postgresql://") and "@127.0.0.1:" in url

    with psycopg.connect(url) as conn:
        schemas = {r[0] for r in conn.execute("select schema_name from information_schema.schemata")}
        assert {"raw", "ops"} <= schemas
        assert conn.execute("select to_regclass('ops.submission')").fetchone()[0] == "ops.submission"
        locales = conn.execute(
            "select datname, datcollate, datctype from pg_database where datname in ('resettle', 'template1')"
        ).fetchall()
        assert sorted(locales) == [("resettle", "C", "C.UTF-8"), ("template1", "C", "C.UTF-8")], "initdb's locale"

    from resettle.warehouse.server import _bin

    psql = subprocess.run(
        [str(_bin("psql")), url, "-tAc", "select current_database()"], capture_output=True, text=True, timeout=60
    )
    assert psql.stdout.strip() == "resettle", psql.stderr

    again = _cli("warehouse", "up", env=cli_env)
    assert again.returncode == 0
    assert _cli("warehouse", "url", env=cli_env).stdout.strip() == url, "a second `up` reuses the running server"
    assert "running" in _cli("warehouse", "status", env=cli_env).stdout

    assert _cli("warehouse", "down", env=cli_env).returncode == 0
    assert "stopped" in _cli("warehouse", "status", env=cli_env).stdout
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(url, connect_timeout=3)

    with psycopg.connect(
        _cli("warehouse", "up", env=cli_env) and _cli("warehouse", "url", env=cli_env).stdout.strip()
    ) as conn:
        assert conn.execute("select to_regclass('ops.submission')").fetchone()[0] == "ops.submission"


def test_external_warehouse_url_is_used_as_given(cli_env, warehouse_url):
    env = {**cli_env, "RESETTLE_WAREHOUSE_URL": warehouse_url}
    assert _cli("warehouse", "url", env=env).stdout.strip() == warehouse_url
    assert _cli("warehouse", "up", env=env).returncode == 0
    with psycopg.connect(warehouse_url) as conn:
        assert conn.execute("select to_regclass('raw.project_ledger')").fetchone()[0] == "raw.project_ledger"
    assert not (Path(cli_env["RESETTLE_HOME"]) / "pgdata").exists(), "no embedded cluster when a URL is given"


def test_bootstrap_is_idempotent(warehouse_url):
    from resettle.warehouse.schema import bootstrap

    with psycopg.connect(warehouse_url) as conn:
        bootstrap(conn)
        bootstrap(conn)
        columns = conn.execute(
            "select count(*) from information_schema.columns where table_schema = 'raw' "
            "and table_name = 'household_roster'"
        ).fetchone()[0]
    from resettle.domain.contracts import contract
    from resettle.warehouse.schema import DERIVED_COLUMNS, LINEAGE_COLUMNS

    roster = contract("household_roster")
    expected = len(LINEAGE_COLUMNS) + 1 + len(roster.columns) + len(DERIVED_COLUMNS["household_roster"])
    assert columns == expected


def test_a_submission_with_raw_rows_cannot_be_deleted(warehouse_url):
    from resettle.warehouse.schema import bootstrap

    with psycopg.connect(warehouse_url, autocommit=True) as conn:
        bootstrap(conn)
        insert = """insert into ops.submission (source, period, file_name, landing_path, sha256, size_bytes,
                                                received_at, archive_path, status)
                    values ('tax', '2026-10', %s, %s, %s, 1, now(), 'x', 'accepted') returning submission_id"""
        kept = conn.execute(insert, ("a.csv", "/a.csv", "a" * 64)).fetchone()[0]
        empty = conn.execute(insert, ("b.csv", "/b.csv", "b" * 64)).fetchone()[0]
        conn.execute(
            "insert into raw.tax_status (submission_id, source, period, source_row) values (%s, 'tax', '2026-10', 2)",
            (kept,),
        )
        with pytest.raises(psycopg.errors.RaiseException, match="has rows in raw"):
            conn.execute("delete from ops.submission where submission_id = %s", (kept,))
        conn.execute("delete from ops.submission where submission_id = %s", (empty,))
        assert conn.execute("select count(*) from ops.submission").fetchone()[0] == 1


def test_the_register_and_the_alert_log_accept_exactly_the_words_of_their_seeds(warehouse_url):
    from resettle.domain.vocabulary import alert_kinds, statuses
    from resettle.warehouse.schema import bootstrap

    with psycopg.connect(warehouse_url, autocommit=True) as conn:
        bootstrap(conn)
        insert_alert = """insert into ops.alert (condition_key, kind, title_zh, message_zh, sent_at)
                          values ('k', %s, 't', 'm', now())"""
        for kind in alert_kinds():
            conn.execute(insert_alert, (kind,))
        with pytest.raises(psycopg.errors.CheckViolation):
            conn.execute(insert_alert, ("gossip",))
        insert_file = """insert into ops.submission (source, period, file_name, landing_path, sha256, size_bytes,
                                                     received_at, archive_path, status)
                         values ('tax', '2026-10', %s, %s, %s, 1, now(), 'x', %s)"""
        for n, status in enumerate(statuses()):
            conn.execute(insert_file, (f"{n}.csv", f"/{n}.csv", f"{n:064d}", status))
        with pytest.raises(psycopg.errors.CheckViolation):
            conn.execute(insert_file, ("x.csv", "/x.csv", "f" * 64, "lost"))
