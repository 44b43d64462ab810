"""Fresh databases on the session's PostgreSQL, and fresh folders: each test or fixture works in its own, so
that no two tests (nor two xdist workers) see each other's rows or files."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg


@contextmanager
def fresh_database(pg_server: str, prefix: str = "t") -> Iterator[str]:
    """A new, empty database (named after `prefix`, to tell whose it is), yielded as its URL and dropped on
    leaving, even while something is still connected to it."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(f'create database "{name}"')
    try:
        yield pg_server.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(pg_server, autocommit=True) as conn:
            conn.execute(f'drop database if exists "{name}" with (force)')


FOLDERS = ("landing", "outbox", "archive", "home")


def own_folders(root: Path, monkeypatch) -> dict[str, Path]:
    """Landing, outbox, archive and home under `root`, each created and named by its RESETTLE_* variable."""
    paths = {name: root / name for name in FOLDERS}
    for name, path in paths.items():
        path.mkdir()
        monkeypatch.setenv(f"RESETTLE_{name.upper()}", str(path))
    return paths
