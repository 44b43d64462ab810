"""Versioned, forward-only migrations of the schemas the platform owns (`ops`, `access`).

Each `NNNN_name.sql` file in this folder is applied once, in order, inside the caller's transaction, and
recorded in `ops.schema_version` with the sha256 of its text. A release only adds files: an applied file
that has changed since, or a warehouse recording a version this release does not know (a newer release
ran against it), stops the upgrade with a message instead of guessing. The first files are written with
`if not exists`, so a warehouse created before versions were recorded is adopted as it stands.

`raw` tables are not migrated here: they follow the dataset contracts (resettle.warehouse.schema), and
functions are re-created on every init (resettle.warehouse.access); dbt owns the other schemas.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import psycopg

from resettle.domain.locks import MIGRATIONS_LOCK

FOLDER = Path(__file__).parent
_FILE = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")

VERSION_DDL = """
create schema if not exists ops;
create table if not exists ops.schema_version (
    version integer primary key,
    name text not null,
    sha256 text not null,
    applied_at timestamptz not null default now()
);
comment on table ops.schema_version is
    'Migrations applied to the ops and access schemas (resettle.warehouse.migrations), one row each.';
"""


class MigrationError(RuntimeError):
    """The warehouse's recorded migrations do not fit this release; the message says what to do."""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()

    @property
    def file_name(self) -> str:
        return f"{self.version:04d}_{self.name}.sql"


def available(folder: Path = FOLDER) -> list[Migration]:
    """The migrations this release ships, in order; versions are consecutive from 1."""
    found = []
    for path in sorted(folder.glob("*.sql")):
        match = _FILE.match(path.name)
        if not match:
            raise MigrationError(f"migration file not named NNNN_name.sql: {path.name}")
        found.append(Migration(int(match[1]), match[2], path.read_text()))
    versions = [m.version for m in found]
    if versions != list(range(1, len(found) + 1)):
        raise MigrationError(f"migration versions must run 1, 2, 3, ... without gaps: {versions}")
    return found


def latest_version() -> int:
    return len(available())


def applied(conn: psycopg.Connection) -> dict[int, tuple[str, str]]:
    """Version -> (name, sha256) as recorded in the warehouse; empty before the first migration."""
    if not _versioned(conn):
        return {}
    return {v: (n, h) for v, n, h in conn.execute("select version, name, sha256 from ops.schema_version")}


def _versioned(conn: psycopg.Connection) -> bool:
    """ops.schema_version exists in this module's shape (an earlier build kept only DDL digests there)."""
    return bool(
        conn.execute(
            "select 1 from information_schema.columns where table_schema = 'ops' and table_name = 'schema_version' "
            "and column_name = 'version'"
        ).fetchone()
    )


def is_current(conn: psycopg.Connection) -> bool:
    """Every migration of this release is applied (a cheap check for the start of every run)."""
    return _versioned(conn) and set(applied(conn)) == {m.version for m in available()}


def migrate(conn: psycopg.Connection) -> list[str]:
    """Apply the migrations not yet applied, in the caller's transaction; return their file names."""
    conn.execute("select pg_advisory_xact_lock(%s)", (MIGRATIONS_LOCK,))
    if not _versioned(conn):
        # absent, or the digest-only table of an earlier build (a cache, safe to replace)
        conn.execute("drop table if exists ops.schema_version")
        conn.execute(VERSION_DDL)
    done = applied(conn)
    known = available()
    if done and max(done) > len(known):
        raise MigrationError(
            f"the warehouse is at schema version {max(done)}, newer than this release "
            f"knows ({len(known)}): run the newer release of resettle"
        )
    ran = []
    for migration in known:
        recorded = done.get(migration.version)
        if recorded is not None:
            if recorded[1] != migration.sha256:
                raise MigrationError(
                    f"migration {migration.file_name} differs from the one applied to this "
                    "warehouse: released migrations are never edited; add a new one"
                )
            continue
        conn.execute(migration.sql)
        conn.execute(
            "insert into ops.schema_version (version, name, sha256) values (%s, %s, %s)",
            (migration.version, migration.name, migration.sha256),
        )
        ran.append(migration.file_name)
    return ran
