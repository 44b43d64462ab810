"""The embedded Airflow's environment: what its processes open their metadata database with."""

from __future__ import annotations

import importlib
import sqlite3

from resettle.airflow import embedded


def test_the_metadata_database_waits_a_minute_for_its_lock(tmp_path, monkeypatch):
    """Airflow imports the connection arguments by the path the environment gives; with them, a writer waits
    for SQLite's lock instead of failing the API request after Python's default 5 s."""
    monkeypatch.setenv("RESETTLE_HOME", str(tmp_path))
    path = embedded.environment("postgresql://x@127.0.0.1/db", 8090)["AIRFLOW__DATABASE__SQL_ALCHEMY_CONNECT_ARGS"]
    module, _, name = path.rpartition(".")
    connect_args = getattr(importlib.import_module(module), name)
    with sqlite3.connect(tmp_path / "airflow.db", **connect_args) as conn:
        assert conn.execute("pragma busy_timeout").fetchone()[0] >= 30_000


def test_a_new_home_starts_from_the_migrated_database_of_an_earlier_one(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    homes = []
    for name in ("first", "second"):
        monkeypatch.setenv("RESETTLE_HOME", str(tmp_path / name))
        env = embedded.environment("postgresql://x@127.0.0.1:1/db", 8090)
        home = tmp_path / name / "airflow"
        if name == "second":  # the copy, not a second migration

            def no_migration(*args, **kwargs):
                raise AssertionError(f"migrated again: {args}")

            monkeypatch.setattr(embedded.subprocess, "run", no_migration)
        embedded._migrate(home, env)
        homes.append(home / "airflow.db")
    template = embedded.migrated_template()
    assert template.is_file() and oct(template.stat().st_mode & 0o777) == "0o600"
    for database in homes:
        with sqlite3.connect(database) as conn:
            assert conn.execute("select count(*) from alembic_version").fetchone()[0] == 1
            assert conn.execute("select pool from slot_pool").fetchall() == [("default_pool",)]
            assert conn.execute("select count(*) from dag_run").fetchone()[0] == 0
