"""The submission register (`ops.submission`): one row per file ever seen, and what became of it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import psycopg
from psycopg.rows import dict_row

from resettle.intake.archive import Archived
from resettle.intake.discover import LandedFile

FINAL_STATUSES = ("accepted", "accepted_with_warnings", "rejected", "superseded", "duplicate")


@dataclass
class Submission:
    submission_id: int
    source: str
    period: str
    file_name: str
    sha256: str
    status: str
    dataset: str | None = None
    rows_total: int | None = None
    rows_valid: int | None = None
    errors: int = 0
    warnings: int = 0
    message_zh: str | None = None


def received_at(landed: LandedFile) -> dt.datetime:
    """When the file landed: its modification time in the landing folder, as the file server recorded it."""
    return dt.datetime.fromtimestamp(landed.path.stat().st_mtime, tz=dt.UTC)


def register(conn: psycopg.Connection, landed: LandedFile, archived: Archived) -> Submission:
    """Record a sighting of a file; the same file seen again returns its existing row unchanged."""
    with conn.transaction(), conn.cursor(row_factory=dict_row) as cur:
        cur.execute(
            """
            insert into ops.submission
                (source, period, file_name, landing_path, sha256, size_bytes, received_at, archive_path)
            values (%s, %s, %s, %s, %s, %s, %s, %s)
            on conflict (source, period, file_name, sha256) do nothing
            """,
            (landed.source, landed.period, landed.file_name, str(landed.path), archived.sha256,
             archived.size_bytes, received_at(landed), str(archived.path)),
        )
        cur.execute(
            """select submission_id, source, period, file_name, sha256, status, dataset, rows_total, rows_valid,
                      errors, warnings, message_zh
               from ops.submission where source = %s and period = %s and file_name = %s and sha256 = %s""",
            (landed.source, landed.period, landed.file_name, archived.sha256),
        )
        return Submission(**cur.fetchone())


def earlier_copy(conn: psycopg.Connection, sub: Submission) -> int | None:
    """An earlier submission of the same bytes by the same source for the same period, if any.

    Identical bytes for another month are a real submission: a department whose facts did not change
    sends the same file again, and that month still needs it.
    """
    row = conn.execute(
        """select submission_id from ops.submission
           where source = %s and period = %s and sha256 = %s and submission_id < %s and status <> 'duplicate'
           order by submission_id limit 1""",
        (sub.source, sub.period, sub.sha256, sub.submission_id),
    ).fetchone()
    return row[0] if row else None


def submissions(conn: psycopg.Connection, period: str | None = None) -> list[dict]:
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(
            """select * from ops.submission where %(period)s::text is null or period = %(period)s
               order by source, dataset nulls last, period, submission_id""",
            {"period": period},
        )
        return cur.fetchall()
