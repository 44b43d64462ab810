"""The submission register (`ops.submission`): one row per file ever seen, and what became of it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import psycopg
from psycopg.rows import dict_row

from resettle.intake.archive import Archived
from resettle.intake.discover import LandedFile


@dataclass
class Submission:
    """One row of `ops.submission`, as intake carries it from registration to its decision."""

    submission_id: int
    source: str
    period: str
    file_name: str
    sha256: str
    """Of the archived bytes: the same content sent again is a duplicate (`refused_key` for refused entries)."""
    status: str
    """A row of the `submission_statuses` seed."""
    dataset: str | None = None
    """None until the file's headers have told which dataset it is."""
    rows_total: int | None = None
    rows_valid: int | None = None
    errors: int = 0
    warnings: int = 0
    message_zh: str | None = None


def received_at(conn: psycopg.Connection, submission_id: int) -> dt.datetime:
    """When the platform received a registered file (see `register`)."""
    row = conn.execute("select received_at from ops.submission where submission_id = %s", (submission_id,)).fetchone()
    if row is None:
        raise LookupError(f"no submission {submission_id}")
    return row[0]


def refused_key(landed: LandedFile) -> str:
    """What stands in for the hash of a refused entry (whose content is never read): stable per name and kind,
    so the same entry seen again is the same register row."""
    return f"refused:{landed.refused}"


def register(conn: psycopg.Connection, landed: LandedFile, archived: Archived | None) -> Submission:
    """Record a sighting of a file; the same file seen again returns its existing row unchanged.

    `received_at` is when the platform first saw the file (the first sighting's insert), unless the
    `received_clock` setting says to replay the files' modification times; the modification time is kept
    beside it as `file_mtime`. A refused entry (`archived` None) is registered without content.
    """
    from resettle.domain.config import settings

    sha = archived.sha256 if archived else refused_key(landed)
    mtime = archived.mtime if archived else None
    replay = settings().received_clock == "mtime" and mtime is not None
    with conn.transaction(), conn.cursor(row_factory=dict_row) as cur:
        cur.execute(
            """
            insert into ops.submission
                (source, period, file_name, landing_path, sha256, size_bytes, received_at, archive_path,
                 file_mtime)
            values (%s, %s, %s, %s, %s, %s, coalesce(%s, now()), %s, %s)
            on conflict (source, period, file_name, sha256) do nothing
            """,
            (
                landed.source,
                landed.period,
                landed.file_name,
                str(landed.path),
                sha,
                archived.size_bytes if archived else 0,
                mtime if replay else None,
                str(archived.path) if archived else "",
                mtime,
            ),
        )
        cur.execute(
            """select submission_id, source, period, file_name, sha256, status, dataset, rows_total, rows_valid,
                      errors, warnings, message_zh
               from ops.submission where source = %s and period = %s and file_name = %s and sha256 = %s""",
            (landed.source, landed.period, landed.file_name, sha),
        )
        row = cur.fetchone()
    if row is None:
        raise LookupError(f"no register row for {landed.file_name} ({sha})")
    return Submission(**row)


def registered_period(conn: psycopg.Connection, source: str, file_name: str, sha256: str) -> tuple[str, bool] | None:
    """The month under which the same entry (same source, name as registered, and content) was registered
    first, if it was, and whether it was answered with where to put it (check `misplaced`): a misplaced file
    is placed (or answered) once, whatever month it is now."""
    row = conn.execute(
        """select s.period, exists (select 1 from ops.finding f
                                     where f.submission_id = s.submission_id and f.check_name = 'misplaced')
           from ops.submission s where s.source = %s and s.file_name = %s and s.sha256 = %s
           order by s.submission_id limit 1""",
        (source, file_name, sha256),
    ).fetchone()
    return (row[0], row[1]) if row else None


def earlier_copy(conn: psycopg.Connection, sub: Submission) -> int | None:
    """An earlier submission of the same bytes by the same source for the same period, if any.

    Identical bytes for another month are a real submission: a department whose facts did not change
    sends the same file again, and that month still needs it. A copy that was only answered with where to
    put it (check `misplaced`, never read) does not count: the same file, moved there, is read.
    """
    row = conn.execute(
        """select submission_id from ops.submission s
           where source = %s and period = %s and sha256 = %s and submission_id < %s and status <> 'duplicate'
             and not exists (select 1 from ops.finding f
                             where f.submission_id = s.submission_id and f.check_name = 'misplaced')
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
