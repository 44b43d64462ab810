"""Fresh databases on the session's PostgreSQL, and fresh folders: each test or fixture works in its own, so
that no two tests (nor two xdist workers) see each other's rows or files."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg

from resettle.warehouse.server import create_database

RUN = os.environ.get("PYTEST_XDIST_TESTRUNUID", uuid.uuid4().hex)[:8]
"""This test run's: the workers of one run share it, another run on the same server has its own."""
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")
_held: set[str] = set()


@contextmanager
def fresh_database(pg_server: str, prefix: str = "t") -> Iterator[str]:
    """A new, empty database, yielded as its URL and dropped on leaving, even while something is still
    connected to it.

    Named after `prefix` (to tell whose it is), the run, the worker and the first number this worker is not
    using for that prefix: test after test gets the same names back, so their dbt builds reuse the parse
    of the project kept for each database (`dbt_runner.build_target`) instead of parsing it again."""
    slot = next(n for n in range(len(_held) + 1) if f"{prefix}_{n}" not in _held)
    _held.add(f"{prefix}_{slot}")
    name = f"{prefix}_{RUN}_{WORKER}_{slot}"
    try:
        with psycopg.connect(pg_server, autocommit=True) as conn:
            conn.execute(f'drop database if exists "{name}" with (force)')
            create_database(conn, name)
        try:
            yield pg_server.rsplit("/", 1)[0] + f"/{name}"
        finally:
            with psycopg.connect(pg_server, autocommit=True) as conn:
                conn.execute(f'drop database if exists "{name}" with (force)')
    finally:
        _held.discard(f"{prefix}_{slot}")


FOLDERS = ("landing", "outbox", "archive", "home")


def own_folders(root: Path, monkeypatch) -> dict[str, Path]:
    """Landing, outbox, archive and home under `root`, each created and named by its RESETTLE_* variable."""
    paths = {name: root / name for name in FOLDERS}
    for name, path in paths.items():
        path.mkdir()
        monkeypatch.setenv(f"RESETTLE_{name.upper()}", str(path))
    return paths
