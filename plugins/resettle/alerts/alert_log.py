"""The alert log (`ops.alert`, one row per sending): what dedup reads and what a clerk's complaint is
checked against ("we never got a reminder").

A condition key's rows tell when it was last sent; a row counts as sent unless every channel that was
tried failed, so an alert nobody received is tried again on the next check. Open rows (no `resolved_at`)
are closed when their condition no longer holds.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import psycopg
from psycopg.types.json import Jsonb

from resettle.alerts.channels import delivered
from resettle.alerts.conditions import Condition
from resettle.domain.locks import ALERT_CHECKS_LOCK

INDEXES = ("create index if not exists alert_open_idx on ops.alert (period, condition_key) where resolved_at is null",)


def lock(conn: psycopg.Connection) -> None:
    """Serialise checks for the rest of the transaction and make sure the log's indexes exist."""
    conn.execute("select pg_advisory_xact_lock(%s)", (ALERT_CHECKS_LOCK,))
    for statement in INDEXES:
        conn.execute(statement)


def last_sent(conn: psycopg.Connection, keys: Iterable[str]) -> dict[str, dt.datetime]:
    """Per condition key, when it was last delivered (rows where every tried channel failed don't count)."""
    rows = conn.execute(
        "select condition_key, sent_at, channel_results from ops.alert where condition_key = any(%s)", (list(keys),)
    ).fetchall()
    out: dict[str, dt.datetime] = {}
    for key, sent_at, results in rows:
        if delivered(results or {}) and (key not in out or sent_at > out[key]):
            out[key] = sent_at
    return out


def open_periods(conn: psycopg.Connection) -> list[str]:
    """Months with open alerts (every kind but `pipeline`): evaluated so they can be resolved."""
    return [
        r[0]
        for r in conn.execute(
            "select distinct period from ops.alert where resolved_at is null and period is not null "
            "and kind <> 'pipeline' order by 1"
        )
    ]


def record(
    conn: psycopg.Connection, condition: Condition, recipients: list[dict], results: dict, sent_at: dt.datetime
) -> int:
    return conn.execute(
        """insert into ops.alert (condition_key, kind, source, dataset, period, submission_id, title_zh, message_zh,
                                  recipients, channel_results, sent_at)
           values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) returning alert_id""",
        (
            condition.key,
            condition.kind,
            condition.source,
            condition.dataset,
            condition.period,
            condition.submission_id,
            condition.title_zh,
            condition.message_zh,
            Jsonb(recipients),
            Jsonb(results),
            sent_at,
        ),
    ).fetchone()[0]


def resolve(conn: psycopg.Connection, periods: list[str], holding: set[str], as_of: dt.datetime) -> list[str]:
    """Close every open row of the evaluated months whose condition no longer holds; return their keys."""
    rows = conn.execute(
        """update ops.alert set resolved_at = %s
           where resolved_at is null and kind <> 'pipeline' and period = any(%s) and sent_at <= %s
             and not (condition_key = any(%s))
           returning condition_key""",
        (as_of, periods, as_of, sorted(holding)),
    ).fetchall()
    return sorted({r[0] for r in rows})


def listing(conn: psycopg.Connection, open_only: bool = False, limit: int = 200) -> list[dict]:
    """The newest rows of the log, for `resettle alerts list`."""
    from psycopg.rows import dict_row

    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(
            f"""select alert_id, condition_key, kind, source, dataset, period, submission_id, title_zh, recipients,
                       channel_results, sent_at, resolved_at
                from ops.alert {"where resolved_at is null" if open_only else ""}
                order by sent_at desc, alert_id desc limit %s""",
            (limit,),
        )
        return cur.fetchall()
