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
