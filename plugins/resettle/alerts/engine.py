"""`check`: evaluate every alert condition as of a moment, send what is due, log it, resolve what cleared.

One check is one transaction under an advisory lock, so the hourly DAG and a manual `resettle alerts check`
never both send the same alert, and a check that dies half-way leaves the log as it was. Because conditions
are evaluated as of a moment (files received later do not exist yet) and `sent_at` is that moment, a month
can be replayed hour by hour and re-running a check at the same moment sends nothing new.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Collection, Sequence

import psycopg

from resettle.alerts import alert_log, channels, conditions
from resettle.alerts.conditions import Condition, Policy, RejectedFile, WarnedFile
from resettle.alerts.contacts import Contact
from resettle.domain import links
from resettle.domain.findings import Finding
from resettle.domain.identifiers import mask_personal, single_line
from resettle.domain.periods import SHANGHAI, last_due_period
from resettle.domain.vocabulary import alert_kinds, alerting_statuses

log = logging.getLogger("resettle.alerts")


def default_periods(as_of: dt.datetime) -> list[str]:
    """The last month already due and the current month (they differ from the 1st to the 24th)."""
    today = as_of.astimezone(SHANGHAI).date()
    current = f"{today.year:04d}-{today.month:02d}"
    return sorted({last_due_period(today), current})


def _names_and_titles() -> tuple[dict[str, str], dict[str, str]]:
    from resettle.domain import reference
    from resettle.domain.contracts import DATASETS, contract

    return ({s: src.name_zh for s, src in reference.sources().items()}, {d: contract(d).title_zh for d in DATASETS})


FILE_ALERTS = {"invalid": (RejectedFile, "errors", "error"), "warned": (WarnedFile, "warnings", "warning")}
"""Per alert about a file: what is read for it, its count of problems and the severity of the findings shown."""


def _alerted_files(
    conn: psycopg.Connection,
    kind: str,
    periods: Sequence[str],
    as_of: dt.datetime,
    policy: Policy,
) -> list:
    """The files whose status raises the alert `kind` (`invalid`: rejected or refused, with their first errors;
    `warned`: accepted with warnings and still in force, with their first warnings), received by `as_of`, of
    the months or recent."""
    make, count_column, severity = FILE_ALERTS[kind]
    rows = _files_and_findings(conn, alerting_statuses(kind), count_column, severity, periods, as_of, policy)
    return [make(*row) for row in rows]


def _files_and_findings(
    conn: psycopg.Connection,
    statuses: Sequence[str],
    count_column: str,
    severity: str,
    periods: Sequence[str],
    as_of: dt.datetime,
    policy: Policy,
) -> list[tuple]:
    """Submissions in `statuses` with their count of problems, first findings of `severity` and receipt."""
    from resettle.domain.config import settings
    from resettle.intake.receipt import receipt_path

    assert count_column in ("errors", "warnings")
    subs = conn.execute(
        f"""select submission_id, source, dataset, period, file_name, {count_column} from ops.submission
           where status = any(%s) and received_at <= %s and (period = any(%s) or received_at > %s)
           order by received_at, submission_id""",
        (list(statuses), as_of, list(periods), as_of - policy.invalid_lookback),
    ).fetchall()
    out = []
    for submission_id, source, dataset, period, file_name, count in subs:
        findings = [
            Finding(*row)
            for row in conn.execute(
                """select excel_row, column_header, value, message_zh, severity, check_name from ops.finding
               where submission_id = %s and severity = %s order by finding_no limit %s""",
                (submission_id, severity, policy.findings_shown),
            )
        ]
        receipt = receipt_path(settings().outbox, source, period, file_name, submission_id)
        out.append(
            (
                submission_id,
                source,
                dataset,
                period,
                file_name,
                max(count, len(findings)),
                findings,
                str(receipt) if receipt.exists() else None,
            )
        )
    return out


def _open_items(conn: psycopg.Connection, as_of: dt.datetime) -> list[conditions.OpenItem]:
    """The open supervised tasks of the office's latest accepted file received by `as_of`."""
    from resettle.domain import reference

    latest = conn.execute(
        """select submission_id, period from ops.submission_in_force
           where dataset = 'supervision_items' and received_at <= %s
           order by period desc, submission_id desc limit 1""",
        (as_of,),
    ).fetchone()
    if latest is None:
        return []
    by_name = {src.name_zh: code for code, src in reference.sources().items()}
    rows = conn.execute(
        """select item_no, project_code, task, responsible_unit, due_date from raw.supervision_items
           where submission_id = %s and status = '办理中' and due_date is not null order by item_no""",
        (latest[0],),
    ).fetchall()
    return [
        conditions.OpenItem(item_no, latest[1], project, task, unit, by_name.get(unit), due, latest[0])
        for item_no, project, task, unit, due in rows
    ]


def _flagged_projects(conn: psycopg.Connection, as_of: dt.datetime) -> list[conditions.FlaggedProject]:
    """The projects of the joint-review sheet's latest month up to `as_of` that carry an alerting flag."""
    from resettle.domain.vocabulary import alerting_flags

    if conn.execute("select to_regclass('marts.project_joint_review')").fetchone()[0] is None:
        return []
    today = as_of.astimezone(SHANGHAI).date()
    counted = sorted({column for column, _ in conditions.FLAG_COUNTS.values()})
    rows = conn.execute(
        f"""select period, project_code, project_name, district, flag_codes, {", ".join(counted)}
            from marts.project_joint_review
            where period = (select max(period) from marts.project_joint_review where period <= %s)
              and flag_codes && %s::text[]
            order by project_code""",
        (f"{today.year:04d}-{today.month:02d}", list(alerting_flags())),
    ).fetchall()
    return [
        conditions.FlaggedProject(period, code, name, district, tuple(flags), dict(zip(counted, rest, strict=True)))
        for period, code, name, district, flags, *rest in rows
    ]


def evaluate(
    conn: psycopg.Connection,
    as_of: dt.datetime,
    periods: Sequence[str],
    policy: Policy,
) -> tuple[list[Condition], list[str]]:
    """Every condition holding as of the moment, and the months evaluated (sending ones plus months with
    open alerts or recent rejected files, which are evaluated so their alerts can be resolved)."""
    from resettle.timeliness.expected import expected_submissions

    names, titles = _names_and_titles()
    rejected = _alerted_files(conn, "invalid", periods, as_of, policy)
    months = sorted({*periods, *alert_log.open_periods(conn), *(r.period for r in rejected)})
    found: list[Condition] = []
    complete: set[tuple[str, str | None, str]] = set()
    for period in months:
        items = expected_submissions(conn, period, as_of)
        found += conditions.period_conditions(items, as_of, policy, names, titles, sendable=period in periods)
        complete |= {(e.source, e.dataset, period) for e in items if e.state == "complete"}
        for source in {e.source for e in items}:
            if all(e.state == "complete" for e in items if e.source == source):
                complete.add((source, None, period))
    found += conditions.invalid_conditions(rejected, complete, names, titles)
    found += conditions.warned_conditions(_alerted_files(conn, "warned", periods, as_of, policy), names, titles)
    open_items = _open_items(conn, as_of)
    found += conditions.supervision_conditions(open_items, as_of, policy)
    flagged = _flagged_projects(conn, as_of)
    found += conditions.flag_conditions(flagged, policy, names)
    months = sorted({*months, *(i.period for i in open_items), *(p.period for p in flagged)})
    return found, months


def recipients(
    condition: Condition, contacts: dict[str, Contact]
) -> tuple[list[dict], tuple[str, ...], tuple[str, ...]]:
    """The log's recipient list, and the de-duplicated email addresses and mentions to send to."""
    people = [contacts[role] for role in condition.roles]
    listed = [{"role": c.role, "name": c.name, "email": list(c.email)} for c in people]
    emails = tuple(dict.fromkeys(a for c in people for a in c.email))
    mentions = tuple(dict.fromkeys(m for c in people for m in c.mention))
    return listed, emails, mentions


def _send(
    conn: psycopg.Connection | None,
    condition: Condition,
    as_of: dt.datetime,
    contacts: dict[str, Contact],
    delivery: channels.Delivery,
    dry_run: bool,
) -> dict:
    listed, emails, mentions = recipients(condition, contacts)
    condition = dataclasses.replace(
        condition,
        title_zh=single_line(mask_personal(condition.title_zh)),
        message_zh=mask_personal(condition.message_zh),
    )
    page = alert_kinds()[condition.kind].page if condition.kind in alert_kinds() else None
    link = links.dashboard(page) if page else None
    if link:
        condition = dataclasses.replace(condition, message_zh=f"{condition.message_zh}\n在线查看：{link}")
    results: dict = {}
    if not dry_run:
        fields = {
            "condition_key": condition.key,
            "kind": condition.kind,
            "sent_at": as_of.isoformat(),
            **condition.facts,
        }
        results = channels.deliver(
            channels.Outgoing(
                condition.title_zh, condition.message_zh, emails, mentions, fields, condition.attachments
            ),
            delivery,
        )
    alert_id = alert_log.record(conn, condition, listed, results, as_of) if conn is not None and not dry_run else None
    return {
        "alert_id": alert_id,
        "condition_key": condition.key,
        "kind": condition.kind,
        "source": condition.source,
        "dataset": condition.dataset,
        "period": condition.period,
        "submission_id": condition.submission_id,
        "title_zh": condition.title_zh,
        "message_zh": condition.message_zh,
        "recipients": listed,
        "channel_results": results,
        "sent_at": as_of,
    }


def _moment(as_of: dt.datetime | None) -> dt.datetime:
    if as_of is None:
        return dt.datetime.now(dt.UTC)
    if as_of.tzinfo is None:
        raise ValueError("as_of needs a time zone (e.g. +08:00)")
    return as_of


def check(
    conn: psycopg.Connection,
    as_of: dt.datetime | None = None,
    *,
    periods: Sequence[str] | None = None,
    policy: Policy | None = None,
    delivery: channels.Delivery | None = None,
    contacts: dict[str, Contact] | None = None,
    dry_run: bool = False,
    kinds: Collection[str] | None = None,
) -> list[dict]:
    """Send every alert due as of `as_of` (default now) for `periods` (default: the last month due and the
    current one), log each sending in ops.alert and resolve the alerts whose condition cleared.

    `kinds` limits what is sent (e.g. only `invalid` right after ingestion); resolution always covers all.
    Returns the alerts sent (with dry_run: that would be sent; nothing is sent or written). Channel failures
    are recorded per alert, never raised; an invalid contacts file raises ContactsError before anything runs.
    Give it an autocommit connection (or one outside a transaction) so the check commits when it returns.
    """
    from resettle.alerts.contacts import load

    as_of = _moment(as_of)
    periods = list(periods or default_periods(as_of))
    policy = policy or Policy.from_env()
    delivery = delivery or channels.Delivery.from_env()
    contacts = contacts or load()
    sent = []
    with conn.transaction() as tx:
        alert_log.lock(conn)
        found, months = evaluate(conn, as_of, periods, policy)
        previous = alert_log.last_sent(conn, [c.key for c in found])
        for condition in found:
            if kinds is not None and condition.kind not in kinds:
                continue
            if conditions.due_to_send(condition, previous.get(condition.key), as_of):
                sent.append(_send(conn, condition, as_of, contacts, delivery, dry_run))
        if dry_run:
            raise psycopg.Rollback(tx)  # nothing written; psycopg leaves the block quietly
        cleared = alert_log.resolve(conn, months, {c.key for c in found}, as_of)
        if cleared:
            log.info("resolved %d alert condition(s): %s", len(cleared), ", ".join(cleared))
    log.info(
        "alert check as of %s over %s: %d %s",
        as_of.isoformat(),
        ", ".join(periods),
        len(sent),
        "due (dry run: not sent)" if dry_run else "sent",
    )
    return sent


def notify(
    conn: psycopg.Connection | None,
    condition: Condition,
    as_of: dt.datetime | None = None,
    *,
    contacts: dict[str, Contact] | None = None,
    delivery: channels.Delivery | None = None,
) -> dict | None:
    """Send one condition now unless its key was already sent within its cadence (for pipeline alerts).

    Without a connection (the warehouse may be what failed) it is sent without logging or dedup.
    """
    from resettle.alerts.contacts import load

    as_of = _moment(as_of)
    contacts = contacts or load()
    delivery = delivery or channels.Delivery.from_env()
    if conn is None:
        return _send(None, condition, as_of, contacts, delivery, dry_run=False)
    with conn.transaction():
        alert_log.lock(conn)
        if not conditions.due_to_send(condition, alert_log.last_sent(conn, [condition.key]).get(condition.key), as_of):
            return None
        return _send(conn, condition, as_of, contacts, delivery, dry_run=False)
