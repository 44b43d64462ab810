"""Schemas and tables the platform owns (`ops`, `raw`), created idempotently from the dataset contracts.

dbt owns `staging`, `intermediate`, `marts` and `snapshots`; everything here is safe to run on every
start, so a new column in a contract reaches its raw table without a migration script.
"""

from __future__ import annotations

import psycopg

from resettle.domain.column_types import column_type
from resettle.domain.contracts import DATASETS, Column, contract
from resettle.domain.vocabulary import accepted_statuses

LINEAGE_COLUMNS = ("submission_id", "source", "period", "source_row")
DERIVED_COLUMNS = {"household_roster": ("id_pseudonym",), "petition_cases": ("id_pseudonym",)}
"""Columns the loader adds: the keyed pseudonym of the ID number of the household head or the petitioner
(see resettle.domain.pseudonym)."""
NOT_STORED = {"petition_cases": ("id_number",)}
"""Contract columns validated on intake but never written to the warehouse: only their pseudonym is kept
(a petition needs the petitioner's ID only to find the household, which the pseudonym does)."""


def stored_columns(dataset: str) -> tuple[str, ...]:
    """The contract columns that reach `raw.<dataset>` and staging."""
    return tuple(n for n in contract(dataset).column_names if n not in NOT_STORED.get(dataset, ()))

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
        check (status in ('received', 'accepted', 'accepted_with_warnings', 'rejected', 'superseded', 'duplicate',
                          'refused', 'failed')),
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
alter table ops.submission add column if not exists file_mtime timestamptz;
comment on column ops.submission.received_at is
    'When the platform first saw the file (or its modification time when replaying a generated landing folder)';
comment on column ops.submission.file_mtime is 'The file''s modification time in the landing folder, as sent';
do $$ begin
    if not exists (select 1 from pg_constraint where conname = 'submission_status_check'
                   and pg_get_constraintdef(oid) like '%failed%') then
        alter table ops.submission drop constraint if exists submission_status_check;
        alter table ops.submission add constraint submission_status_check check (status in (
            'received', 'accepted', 'accepted_with_warnings', 'rejected', 'superseded', 'duplicate', 'refused',
            'failed'));
    end if;
end $$;

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

create table if not exists ops.dbt_invocation (
    invocation_id text primary key,
    command text not null,
    selected text,
    full_refresh boolean not null,
    started_at timestamptz not null default now(),
    nodes integer,
    failed integer,
    finished_at timestamptz
);
alter table ops.dbt_invocation add column if not exists nodes integer;
alter table ops.dbt_invocation add column if not exists failed integer;
alter table ops.dbt_invocation add column if not exists finished_at timestamptz;
"""


def sql_type(col: Column) -> str:
    return column_type(col.type).sql_type


def raw_table(dataset: str) -> str:
    return f"raw.{dataset}"


def raw_ddl(dataset: str) -> list[str]:
    """A raw table is append-only: COPY writes each submission's rows together, so a BRIN index on the
    submission finds them at almost no cost to loading; (submission_id, source_row) is unique by
    construction (one row per line of one file). The index on the month lets dbt read one month of a table
    that holds many (incremental marts, tests of the latest month).

    `submission_id` has no foreign key: a per-row check doubled the cost of loading a big file. Rows are
    written only by the loader, in the transaction that decides their registered submission, and dbt's
    `relationships` test of every staging view holds each row to the register."""
    c = contract(dataset)
    statements = [
        f"""create table if not exists {raw_table(dataset)} (
    submission_id bigint not null,
    source text not null,
    period text not null,
    source_row integer not null,
    extras jsonb
)""",
        f"alter table {raw_table(dataset)} drop constraint if exists {dataset}_submission_id_fkey",
        f"create index if not exists {dataset}_submission_brin on {raw_table(dataset)} using brin (submission_id)",
        f"create index if not exists {dataset}_period_idx on {raw_table(dataset)} (period)",
    ]
    statements += [
        f"alter table {raw_table(dataset)} add column if not exists {col.name} {sql_type(col)}" for col in c.columns
        if col.name in stored_columns(dataset)
    ]
    statements += [f"alter table {raw_table(dataset)} add column if not exists {name} text"
                   for name in DERIVED_COLUMNS.get(dataset, ())]
    return statements


def raw_unique_ddl(dataset: str) -> list[str]:
    """The unique (submission_id, source_row) index that makes writing a file's rows twice impossible, even
    by two runs that bypass the intake lock. A warehouse written before it existed may hold such doubles:
    they are removed first (keeping one copy of each row)."""
    table = raw_table(dataset)
    return [
        f"""delete from {table} a using {table} b
            where a.submission_id = b.submission_id and a.source_row = b.source_row and a.ctid > b.ctid""",
        f"create unique index if not exists {dataset}_row_key on {table} (submission_id, source_row)",
    ]


def in_force_ddl() -> str:
    """`ops.submission_in_force`: the submission in force per source, dataset and month (its latest accepted
    file; publishing supersedes the others). The one definition the intake and dbt (`in_force`) both read;
    the accepted statuses come from the `submission_statuses` seed."""
    accepted = ", ".join(f"'{status}'" for status in accepted_statuses())
    return f"""
create or replace view ops.submission_in_force as
select submission_id, source, dataset, period, received_at, rows_total, status
from ops.submission
where status in ({accepted});
comment on view ops.submission_in_force is
    'The submission in force per source, dataset and month: its accepted file (the others are superseded)';
"""


BOOTSTRAP_LOCK = 20191111
"""The advisory lock taken by everything that changes the platform's own tables' shape."""


def _ddl_digest() -> str:
    import hashlib

    text = "\n".join([
        OPS_DDL, in_force_ddl(), *(s for d in DATASETS for s in (*raw_ddl(d), *raw_unique_ddl(d))),
        _keeps_its_rows_ddl()])
    return hashlib.sha256(text.encode()).hexdigest()


def bootstrap(conn: psycopg.Connection) -> None:
    """Create schemas and tables if missing; safe to call on every start.

    The DDL's digest is recorded in `ops.schema_version`; when it matches, nothing is executed, so a run
    starting beside another run's ingestion takes no table lock (ALTER TABLE locks a table even when it
    changes nothing, and two runs would then deadlock on the register and a raw table).
    """
    digest = _ddl_digest()
    with conn.transaction():
        conn.execute("select pg_advisory_xact_lock(%s)", (BOOTSTRAP_LOCK,))
        if conn.execute("select to_regclass('ops.schema_version')").fetchone()[0] and conn.execute(
                "select 1 from ops.schema_version where digest = %s", (digest,)).fetchone():
            return
        conn.execute(OPS_DDL)
        conn.execute(in_force_ddl())
        for dataset in DATASETS:
            for statement in raw_ddl(dataset):
                conn.execute(statement)
            if conn.execute("select to_regclass(%s)", (f"raw.{dataset}_row_key",)).fetchone()[0] is None:
                for statement in raw_unique_ddl(dataset):
                    conn.execute(statement)
        conn.execute(_keeps_its_rows_ddl())
        conn.execute("create table if not exists ops.schema_version (digest text primary key, "
                     "applied_at timestamptz not null default now())")
        conn.execute("insert into ops.schema_version (digest) values (%s) on conflict do nothing", (digest,))


def _keeps_its_rows_ddl() -> str:
    """What the raw tables' foreign keys also guarded: a submission with rows in `raw` cannot be deleted
    (checked per deleted register row, which is rare, instead of per loaded raw row, which is not)."""
    checks = " or ".join(f"exists (select from {raw_table(d)} where submission_id = old.submission_id)"
                         for d in DATASETS)
    return f"""
create or replace function ops.submission_keeps_its_rows() returns trigger language plpgsql as $$
begin
    if {checks} then
        raise exception 'submission % has rows in raw and cannot be deleted', old.submission_id;
    end if;
    return old;
end $$;
drop trigger if exists submission_keeps_its_rows on ops.submission;
create trigger submission_keeps_its_rows before delete on ops.submission
    for each row execute function ops.submission_keeps_its_rows();
"""
