"""Expected versus actual submissions, counted the way reporting systems such as DHIS2 count them.

Every period expects each district's three datasets and each department's feed (the `source_datasets`
seed). An expected submission is *complete* once a file for it is accepted (with or without warnings; a
later replacement does not undo that) and *on time* when the first accepted file was received no later than
the due time: the source's due day (the `sources` seed, 25 by default) at 23:59:59 Asia/Shanghai, or the
latest extension granted for that source and period. Everything is evaluated as of a moment, so a month can
be replayed: files received after that moment do not exist yet.

The dbt model `int_expected_submissions` applies the same rules in SQL for the `submission_timeliness` mart;
a test holds the two to the same counts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import psycopg
from psycopg.rows import dict_row

from resettle.domain import reference
from resettle.domain.config import SOURCES
from resettle.domain.contracts import datasets_for
from resettle.domain.periods import PERIOD_RE, days_past, due_at
from resettle.domain.vocabulary import complete_statuses

"""Statuses meaning "this file was accepted": a superseded file was accepted before it was replaced."""


@dataclass(frozen=True)
class Extension:
    source: str
    period: str
    due_at: dt.datetime
    granted_by: str
    reason: str
    granted_at: dt.datetime


@dataclass(frozen=True)
class ExpectedSubmission:
    """One source's one dataset for one period, and where it stands as of a moment."""

    source: str
    dataset: str
    period: str
    due_at: dt.datetime
    extension: Extension | None
    state: str
    """`complete`, `rejected` (files came, none accepted), `processing` or `missing` (nothing received)."""
    is_due: bool
    completed_at: dt.datetime | None
    on_time: bool | None
    days_late: int
    """Whole days (rounded up) past the due time: to completion, or to the as-of moment while incomplete."""
    latest_submission_id: int | None
    latest_status: str | None
    latest_file_name: str | None
    latest_errors: int | None
    latest_message_zh: str | None


def grant_extension(
    conn: psycopg.Connection, source: str, period: str, new_due_at: dt.datetime, granted_by: str, reason: str
) -> int:
    """Record an extension; the latest one granted for a source and period is the one in force."""
    if source not in SOURCES:
        raise ValueError(f"unknown source {source!r}; expected one of {', '.join(SOURCES)}")
    if not PERIOD_RE.match(period):
        raise ValueError(f"period must be YYYY-MM, got {period!r}")
    if new_due_at.tzinfo is None:
        raise ValueError("the extended due time needs a time zone")
    if not granted_by.strip() or not reason.strip():
        raise ValueError("an extension needs who granted it and why")
    with conn.transaction():
        row = conn.execute(
            """insert into ops.due_extension (source, period, due_at, granted_by, reason)
               values (%s, %s, %s, %s, %s) returning extension_id""",
            (source, period, new_due_at, granted_by.strip(), reason.strip()),
        ).fetchone()
    return row[0]


def extensions(conn: psycopg.Connection, period: str | None = None) -> dict[tuple[str, str], Extension]:
    """The extension in force per (source, period)."""
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(
            """select distinct on (source, period) source, period, due_at, granted_by, reason, granted_at
               from ops.due_extension where %(period)s::text is null or period = %(period)s
               order by source, period, granted_at desc, extension_id desc""",
            {"period": period},
        )
        return {(r["source"], r["period"]): Extension(**r) for r in cur.fetchall()}


def due_for(source: str, period: str, extension: Extension | None = None) -> dt.datetime:
    return extension.due_at if extension else due_at(period, reference.sources()[source].due_day)


def expected_submissions(
    conn: psycopg.Connection, period: str, as_of: dt.datetime | None = None
) -> list[ExpectedSubmission]:
    """Every expected submission of the period, in source then dataset order, as of a moment (default now)."""
    as_of = as_of or dt.datetime.now(dt.UTC)
    granted = extensions(conn, period)
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(
            """select submission_id, source, dataset, file_name, received_at, status, errors, message_zh
               from ops.submission
               where period = %s and received_at <= %s and dataset is not null and status <> 'duplicate'
               order by received_at, submission_id""",
            (period, as_of),
        )
        files = cur.fetchall()
    out = []
    for source in SOURCES:
        extension = granted.get((source, period))
        due = due_for(source, period, extension)
        for dataset in datasets_for(source):
            mine = [f for f in files if f["source"] == source and f["dataset"] == dataset]
            out.append(expected_submission(source, dataset, period, due, extension, mine, as_of))
    return out


def expected_submission(
    source: str,
    dataset: str,
    period: str,
    due: dt.datetime,
    extension: Extension | None,
    files: Sequence[dict],
    as_of: dt.datetime,
) -> ExpectedSubmission:
    """Where one expected submission stands as of a moment, from its files received by then (`ops.submission`
    rows, oldest first)."""
    accepted = [f for f in files if f["status"] in complete_statuses()]
    latest = files[-1] if files else None
    completed_at = accepted[0]["received_at"] if accepted else None
    if accepted:
        state = "complete"
    elif not files:
        state = "missing"
    elif any(f["status"] == "received" for f in files):
        state = "processing"
    else:
        state = "rejected"
    return ExpectedSubmission(
        source=source,
        dataset=dataset,
        period=period,
        due_at=due,
        extension=extension,
        state=state,
        is_due=as_of > due,
        completed_at=completed_at,
        on_time=None if completed_at is None else completed_at <= due,
        days_late=days_past(due, completed_at or as_of),
        latest_submission_id=latest and latest["submission_id"],
        latest_status=latest and latest["status"],
        latest_file_name=latest and latest["file_name"],
        latest_errors=latest and latest["errors"],
        latest_message_zh=latest and latest["message_zh"],
    )


def source_summary(items: list[ExpectedSubmission]) -> list[dict]:
    """Per source and period, the counts of the `submission_timeliness` mart (rates in percent)."""
    rows: dict[tuple[str, str], dict] = {}
    for e in items:
        r = rows.setdefault(
            (e.source, e.period),
            {
                "source": e.source,
                "period": e.period,
                "expected": 0,
                "received": 0,
                "accepted": 0,
                "rejected": 0,
                "on_time": 0,
                "late": 0,
                "missing": 0,
                "days_late": 0,
            },
        )
        r["expected"] += 1
        r["received"] += e.state != "missing"
        r["accepted"] += e.state == "complete"
        r["rejected"] += e.state == "rejected"
        r["on_time"] += e.on_time is True
        r["late"] += e.on_time is False
        r["missing"] += e.state == "missing"
        r["days_late"] = max(r["days_late"], e.days_late)
    for r in rows.values():
        r["reporting_rate"] = round(100 * r["accepted"] / r["expected"], 1)
        r["on_time_rate"] = round(100 * r["on_time"] / r["expected"], 1)
    return list(rows.values())
