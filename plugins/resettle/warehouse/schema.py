"""Schemas and tables the platform owns (`ops`, `raw`), created idempotently from the dataset contracts.

dbt owns `staging`, `intermediate`, `marts` and `snapshots`; everything here is safe to run on every
start. `ops` (and `access`) change through the versioned migrations in resettle.warehouse.migrations;
raw tables follow the contracts, so a new column in a contract reaches its raw table without a migration.
"""

from __future__ import annotations

import psycopg

from resettle.contracts import DATASETS, Column, contract

SQL_TYPES = {
    "integer": "integer",
    "disposal_category": "smallint",
    "decimal": "numeric",
    "date": "date",
    "yes_no": "boolean",
}
LINEAGE_COLUMNS = ("submission_id", "source", "period", "source_row")
DERIVED_COLUMNS = {"household_roster": ("id_pseudonym",)}
"""Columns the loader adds: the keyed pseudonym of the household head's ID number (see resettle.pseudonym)."""



def sql_type(col: Column) -> str:
    return SQL_TYPES.get(col.type, "text")


def raw_table(dataset: str) -> str:
    return f"raw.{dataset}"


def raw_ddl(dataset: str) -> list[str]:
    """A raw table is append-only: COPY writes each submission's rows together, so a BRIN index on the
    submission finds them at almost no cost to loading; (submission_id, source_row) is unique by
    construction (one row per line of one file). The index on the month lets dbt read one month of a table
    that holds many (incremental marts, tests of the latest month)."""
    c = contract(dataset)
    statements = [
        f"""create table if not exists {raw_table(dataset)} (
    submission_id bigint not null references ops.submission (submission_id),
    source text not null,
    period text not null,
    source_row integer not null,
    extras jsonb
)""",
        f"create index if not exists {dataset}_submission_brin on {raw_table(dataset)} using brin (submission_id)",
        f"create index if not exists {dataset}_period_idx on {raw_table(dataset)} (period)",
    ]
    statements += [
        f"alter table {raw_table(dataset)} add column if not exists {col.name} {sql_type(col)}" for col in c.columns
    ]
    statements += [f"alter table {raw_table(dataset)} add column if not exists {name} text"
                   for name in DERIVED_COLUMNS.get(dataset, ())]
    return statements


def bootstrap(conn: psycopg.Connection) -> None:
    """Apply pending migrations and create raw tables if missing; safe to call on every start."""
    from resettle.warehouse.migrations import migrate

    with conn.transaction():
        conn.execute("select pg_advisory_xact_lock(20191111)")
        migrate(conn)
        conn.execute("create schema if not exists raw")
        for dataset in DATASETS:
            for statement in raw_ddl(dataset):
                conn.execute(statement)
