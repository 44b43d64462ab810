"""A checksum per mart: what "the same marts" means when two warehouses are compared (a restore and the
warehouse it came from, the Celery deployment and the embedded run of the same files).

Each mart's rows, minus the columns named in `ignore`, are written as PostgreSQL row literals in UTC,
sorted bytewise and hashed, so the checksum depends on the content only, not on row order or the session.
`built_at` (when dbt built a row) is always ignored; comparing runs that registered files in another order
also ignores the submission ids (LINEAGE_COLUMNS).
"""

from __future__ import annotations

import psycopg
from psycopg import sql

SCHEMA = "marts"
BUILD_COLUMNS = ("built_at",)
LINEAGE_COLUMNS = ("submission_id", "submission_ids", "finding_id")
"""Numbered in the order files were registered (a finding's id is `<submission_id>-<finding_no>`): equal
files give equal marts but not equal ids when workers register them in parallel."""


def _skipped(column: str, skip: set[str]) -> bool:
    """An ignored name also covers the columns named for it with a prefix (`ledger_submission_ids`)."""
    return column in skip or any(column.endswith("_" + name) for name in skip)


def mart_checksums(url: str, ignore: tuple[str, ...] = ()) -> dict[str, tuple[int, str]]:
    """Per mart table: (rows, md5 of its sorted rows without the ignored columns)."""
    skip = set(BUILD_COLUMNS) | set(ignore)
    out = {}
    with psycopg.connect(url) as conn:
        conn.execute("set local timezone = 'UTC'")
        tables = [
            r[0]
            for r in conn.execute(
                "select table_name from information_schema.tables "
                "where table_schema = %s and table_type = 'BASE TABLE' "
                "order by 1",
                (SCHEMA,),
            )
        ]
        for table in tables:
            columns = [
                r[0]
                for r in conn.execute(
                    "select column_name from information_schema.columns where table_schema = %s and table_name = %s "
                    "order by ordinal_position",
                    (SCHEMA, table),
                )
                if not _skipped(r[0], skip)
            ]
            query = sql.SQL(
                "select count(*), md5(coalesce(string_agg(line, E'\\n' order by line collate \"C\"), '')) "
                "from (select row({columns})::text as line from {table}) as rows"
            ).format(
                columns=sql.SQL(", ").join(sql.Identifier(c) for c in columns), table=sql.Identifier(SCHEMA, table)
            )
            count, digest = conn.execute(query).fetchone()
            out[table] = (count, digest)
    return out
