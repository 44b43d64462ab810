"""PostgreSQL advisory locks that serialise concurrent runs, and the clean-up of a crashed run's leftovers.

* one lock per (source, month) around a file's whole intake (archive, register, parse, validate, publish),
  so two runs of the same month (`resettle run` beside Airflow, the event-driven run beside the hourly
  one) take turns: the second finds the file decided and changes nothing;
* one lock around publishing the marts (`publishing`), so two dbt builds never interleave;
* the decisions lock (`hold_decisions_lock`), which keeps a build from reading while a file's decision is
  being committed.

Session-level locks, held on the connection doing the work: a run that dies releases them with its
connection. Even with a lock bypassed, `raw.<dataset>` has a unique (submission_id, source_row) index, so a
file's rows cannot be written twice.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import psycopg
from psycopg.pq import TransactionStatus

from resettle.domain.locks import BOOTSTRAP_LOCK, DECISIONS_LOCK_CLASS, INTAKE_LOCK_CLASS, PUBLISH_LOCK_CLASS


def _settle(conn: psycopg.Connection) -> None:
    """Commit what the connection did (or roll back a failed transaction) before a lock is released, so the
    next holder sees every decision taken under it."""
    status = conn.info.transaction_status
    if status == TransactionStatus.INTRANS:
        conn.commit()
    elif status == TransactionStatus.INERROR:
        conn.rollback()


def _hold(conn: psycopg.Connection, klass: int, name: str) -> None:
    with conn.transaction():
        conn.execute("select pg_advisory_lock(%s, hashtext(%s))", (klass, name))


def _release(conn: psycopg.Connection, klass: int, name: str) -> None:
    if conn.closed:
        return
    _settle(conn)
    with conn.transaction():
        conn.execute("select pg_advisory_unlock(%s, hashtext(%s))", (klass, name))


@contextlib.contextmanager
def intake_lock(conn: psycopg.Connection, source: str, period: str) -> Iterator[None]:
    """Hold the (source, month) intake lock for the block; waits while another run holds it."""
    name = f"{source}/{period}"
    _settle(conn)
    _hold(conn, INTAKE_LOCK_CLASS, name)
    try:
        yield
    finally:
        _release(conn, INTAKE_LOCK_CLASS, name)


@contextlib.contextmanager
def publish_lock(conn: psycopg.Connection) -> Iterator[None]:
    """Hold the lock around building and publishing the marts."""
    _settle(conn)
    _hold(conn, PUBLISH_LOCK_CLASS, "marts")
    try:
        yield
    finally:
        _release(conn, PUBLISH_LOCK_CLASS, "marts")


def hold_decisions_lock(conn: psycopg.Connection) -> None:
    """Taken (shared) by the transaction recording a file's decision, until it commits, before it reads the
    clock for `processed_at`.

    An incremental model rebuilds a month when a file was accepted there after the model last built it
    (`processed_at` later than the month's `built_at`). A decision committed after a build began reading, but
    stamped with an earlier time, would be missed by that build and by every later one. So a dbt build waits,
    before it takes its `built_at`, for the decisions being committed (it takes this lock exclusively and
    lets go at once); a decision taking the lock after that is stamped later than the build's `built_at`, and
    its month is rebuilt by the next build."""
    conn.execute("select pg_advisory_xact_lock_shared(%s, 0)", (DECISIONS_LOCK_CLASS,))


def clean_leftovers(conn: psycopg.Connection, archive_root) -> dict[str, int]:
    """What a crashed run may have left, removed at the start of the next run (idempotent):

    * half-written copies in the archive's `tmp` folder;
    * rows in `raw` of a submission that is not (or no longer) accepted — impossible through the intake's
      transactions, but cheap to guarantee.
    A file a crashed run left `received` is simply processed again (it is not final).
    """
    from resettle.domain.contracts import DATASETS
    from resettle.domain.vocabulary import complete_statuses
    from resettle.intake.archive import clean_partial_copies
    from resettle.warehouse.schema import raw_table

    removed = {"partial_copies": clean_partial_copies(archive_root)}
    with conn.transaction():
        conn.execute("select pg_advisory_xact_lock(%s)", (BOOTSTRAP_LOCK,))
        for dataset in DATASETS:
            cur = conn.execute(
                f"""delete from {raw_table(dataset)} r using ops.submission s
                    where s.submission_id = r.submission_id
                      and s.status <> all(%s)""",
                (list(complete_statuses()),),
            )
            if cur.rowcount:
                removed[dataset] = cur.rowcount
    return removed
