"""Schemas and tables the platform owns (`ops`, `raw`), created idempotently from the dataset contracts.

dbt owns `staging`, `intermediate`, `marts` and `snapshots`; everything here is safe to run on every
start. `ops` (and `access`) change through the versioned migrations in resettle.warehouse.migrations;
raw tables follow the contracts, so a new column in a contract reaches its raw table without a migration.
"""

from __future__ import annotations

from collections.abc import Iterable

import psycopg

from resettle.domain.column_types import column_type
from resettle.domain.contracts import DATASETS, Column, contract
from resettle.domain.locks import BOOTSTRAP_LOCK
from resettle.domain.vocabulary import accepted_statuses, alert_kinds, statuses

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


def sql_type(col: Column) -> str:
    return column_type(col.type).sql_type


def raw_table(dataset: str) -> str:
    return f"raw.{dataset}"


def raw_ddl(dataset: str) -> list[str]:
    """A raw table is append-only: COPY writes each submission's rows together, and a file is of one month,
    so a BRIN index on the month is as selective as a B-tree at almost no cost to loading; it lets dbt read
    one month of a table that holds many (incremental marts, tests of the latest month). A submission's
    rows are found by the unique (submission_id, source_row) index (one row per line of one file). B-tree
    indexes on the month and a BRIN on the submission, as earlier releases had, made loading a million-row
    roster half again as slow and are dropped.

    `submission_id` has no foreign key: a per-row check doubled the cost of loading a big file. Rows are
    written only by the loader, in the transaction that decides their registered submission, and a staging
    view reads only the rows of a submission in force in the register (macros/in_force.sql)."""
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
        f"drop index if exists raw.{dataset}_submission_brin",
        f"drop index if exists raw.{dataset}_period_idx",
        f"create index if not exists {dataset}_period_brin on {raw_table(dataset)} using brin (period)",
    ]
    statements += [
        f"alter table {raw_table(dataset)} add column if not exists {col.name} {sql_type(col)}"
        for col in c.columns
        if col.name in stored_columns(dataset)
    ]
    statements += [
        f"alter table {raw_table(dataset)} add column if not exists {name} text"
        for name in DERIVED_COLUMNS.get(dataset, ())
    ]
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


def sql_in_list(words: Iterable[str]) -> str:
    """Words as the quoted list of an SQL `in (...)`."""
    return ", ".join("'" + word.replace("'", "''") + "'" for word in words)


def vocabulary_checks_ddl() -> str:
    """The register's statuses and the alert log's kinds, checked against the `submission_statuses` and
    `alert_kinds` seeds (re-created whenever a seed gains a word; migration 0007 handed them over)."""
    return f"""
alter table ops.submission drop constraint if exists submission_status_check;
alter table ops.submission add constraint submission_status_check check (status in ({sql_in_list(statuses())}));
alter table ops.alert drop constraint if exists alert_kind_check;
alter table ops.alert add constraint alert_kind_check check (kind in ({sql_in_list(alert_kinds())}));
"""


def _ddl_digest() -> str:
    """The digest of what bootstrap executes beyond the migrations: the raw tables the contracts describe."""
    import hashlib

    text = "\n".join(
        [
            in_force_ddl(),
            vocabulary_checks_ddl(),
            *(s for d in DATASETS for s in (*raw_ddl(d), *raw_unique_ddl(d))),
            _keeps_its_rows_ddl(),
        ]
    )
    return hashlib.sha256(text.encode()).hexdigest()


def bootstrap(conn: psycopg.Connection) -> None:
    """Apply pending migrations and create or extend the raw tables; safe to call on every start.

    The digest of what follows the contracts and seeds (raw tables, the in-force view, the vocabulary checks)
    is recorded in
    `ops.raw_schema`; when every migration is applied and the digest
    matches, nothing is executed, so a run starting beside another run's ingestion takes no table lock
    (ALTER TABLE locks a table even when it changes nothing, and two runs would then deadlock on the
    register and a raw table).
    """
    from resettle.warehouse.migrations import is_current, migrate

    digest = _ddl_digest()
    with conn.transaction():
        conn.execute("select pg_advisory_xact_lock(%s)", (BOOTSTRAP_LOCK,))
        if is_current(conn) and conn.execute("select 1 from ops.raw_schema where digest = %s", (digest,)).fetchone():
            return
        migrate(conn)
        conn.execute(vocabulary_checks_ddl())
        conn.execute(in_force_ddl())
        conn.execute("create schema if not exists raw")
        for dataset in DATASETS:
            for statement in raw_ddl(dataset):
                conn.execute(statement)
            if conn.execute("select to_regclass(%s)", (f"raw.{dataset}_row_key",)).fetchone()[0] is None:
                for statement in raw_unique_ddl(dataset):
                    conn.execute(statement)
        conn.execute(_keeps_its_rows_ddl())
        conn.execute("insert into ops.raw_schema (digest) values (%s) on conflict do nothing", (digest,))


def _keeps_its_rows_ddl() -> str:
    """What the raw tables' foreign keys also guarded: a submission with rows in `raw` cannot be deleted
    (checked per deleted register row, which is rare, instead of per loaded raw row, which is not)."""
    checks = " or ".join(
        f"exists (select from {raw_table(d)} where submission_id = old.submission_id)" for d in DATASETS
    )
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
