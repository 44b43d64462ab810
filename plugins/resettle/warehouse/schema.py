"""Schemas and tables the platform owns (`ops`, `raw`), created idempotently from the dataset contracts.

dbt owns `staging`, `intermediate`, `marts` and `snapshots`; everything here is safe to run on every
start, so a new column in a contract reaches its raw table without a migration script.
"""

from __future__ import annotations

import psycopg

from resettle.domain.contracts import DATASETS, Column, contract

SQL_TYPES = {
    "integer": "integer",
    "disposal_category": "smallint",
    "decimal": "numeric",
    "date": "date",
    "yes_no": "boolean",
}
LINEAGE_COLUMNS = ("submission_id", "source", "period", "source_row")
DERIVED_COLUMNS = {"household_roster": ("id_pseudonym",)}
"""Columns the loader adds: the keyed pseudonym of the household head's ID number (see resettle.domain.pseudonym)."""

OPS_DDL = """
create schema if not exists ops;
create schema if not exists raw;

create table if not exists ops.submission (
    submission_id bigserial primary key,
    source text not null,
    dataset text,
    period text not null,
    file_name text not null,
    landing_path text not null,
    sha256 text not null,
    size_bytes bigint not null,
    received_at timestamptz not null,
    archive_path text not null,
    status text not null default 'received'
        check (status in ('received', 'accepted', 'accepted_with_warnings', 'rejected', 'superseded', 'duplicate')),
    rows_total integer,
    rows_valid integer,
    errors integer not null default 0,
    warnings integer not null default 0,
    message_zh text,
    duplicate_of bigint references ops.submission (submission_id),
    superseded_by bigint references ops.submission (submission_id),
    registered_at timestamptz not null default now(),
    processed_at timestamptz,
    unique (source, period, file_name, sha256)
);
create index if not exists submission_current_idx on ops.submission (source, dataset, period, status);

create table if not exists ops.validation_result (
    submission_id bigint not null references ops.submission (submission_id),
    expectation text not null,
    check_name text not null,
    column_name text,
    severity text not null check (severity in ('error', 'warning')),
    success boolean not null,
    unexpected_count integer not null,
    primary key (submission_id, check_name, expectation, column_name)
);

create table if not exists ops.finding (
    submission_id bigint not null references ops.submission (submission_id),
    finding_no integer not null,
    severity text not null check (severity in ('error', 'warning')),
    check_name text not null,
    excel_row integer,
    column_header text,
    value text,
    message_zh text not null,
    primary key (submission_id, finding_no)
);

create table if not exists ops.due_extension (
    extension_id bigserial primary key,
    source text not null,
    period text not null,
    due_at timestamptz not null,
    granted_by text not null check (granted_by <> ''),
    reason text not null check (reason <> ''),
    granted_at timestamptz not null default now()
);
create index if not exists due_extension_idx on ops.due_extension (source, period, granted_at);

create table if not exists ops.alert (
    alert_id bigserial primary key,
    condition_key text not null,
    kind text not null,
    source text,
    dataset text,
    period text,
    submission_id bigint references ops.submission (submission_id),
    title_zh text not null,
    message_zh text not null,
    recipients jsonb not null default '[]',
    channel_results jsonb not null default '{}',
    sent_at timestamptz not null,
    resolved_at timestamptz
);
create index if not exists alert_condition_idx on ops.alert (condition_key, sent_at);
alter table ops.alert drop constraint if exists alert_kind_check;
alter table ops.alert add constraint alert_kind_check
    check (kind in ('reminder', 'late', 'escalation', 'invalid', 'pipeline', 'supervision'));
"""


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
    """Create schemas and tables if missing; safe to call on every start."""
    with conn.transaction():
        conn.execute("select pg_advisory_xact_lock(20191111)")
        conn.execute(OPS_DDL)
        for dataset in DATASETS:
            for statement in raw_ddl(dataset):
                conn.execute(statement)
