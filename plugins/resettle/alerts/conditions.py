"""Which alert conditions hold as of a moment, decided from plain values (no database, no channels).

A *condition* is a fact worth telling someone, with a stable key (`late:taishan:household_roster:2026-10`):
the key is what the alert log deduplicates and resolves on. A condition *holds* while the problem exists
and is *sendable* while it is time to say so; the two differ on purpose: a reminder is only sent in the
days before the due time, but it only clears when the source's datasets are all accepted, and a late
dataset whose file is being validated right now still holds but is not worth a message this hour.

Rules (see `Policy` for the numbers):
- reminder: `reminder_days` before a source's due time (with its extension), once per source and month,
  to the source, listing its datasets not yet accepted.
- late: after the due time, per missing or rejected dataset, to the source and the leading-group office,
  repeated every `late_every`.
- escalation: `escalate_after_days` past the due time, once per source and month, to leadership and the
  office: one message per source (not per dataset) because leadership acts on who, not on which file.
- invalid: per rejected file, once, to its sender, with the first problems and the receipt (attached to
  the mail; the message names it).
- warned: per file accepted with warnings and still in force, once, to its sender, with the first warnings
  and the receipt (attached).
- supervision: per supervised task (督办事项) of the office's latest file that is past its due date and not
  done, to the responsible unit and the office, repeated every `late_every` until a file reports it done.
- flag: per project and alerting flag of the review sheet (certificates, petitions, refunds, repayments) in
  the latest month built, to the receivers the flag names, repeated every `flag_every` while it holds.

Who receives each kind is the `alert_kinds` seed; who receives a flag is the `consistency_flags` seed
(both read through resettle.domain.vocabulary); `source` there is the source the alert is about.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from resettle.alerts import messages
from resettle.domain.findings import Finding
from resettle.domain.periods import days_past
from resettle.domain.vocabulary import alert_kinds, consistency_flags


@dataclass(frozen=True)
class Policy:
    """When alerts are due. Defaults follow the city's practice; every number can be set per run or by
    environment (RESETTLE_ALERT_REMINDER_DAYS, _LATE_EVERY_DAYS, _ESCALATE_AFTER_DAYS, _FINDINGS_SHOWN)."""

    reminder_days: float = 3
    late_every: dt.timedelta = dt.timedelta(days=2)
    escalate_after_days: float = 5
    findings_shown: int = 5
    invalid_lookback: dt.timedelta = dt.timedelta(days=7)
    """A rejected file of an older month still gets its alert if it was received this recently."""
    flag_every: dt.timedelta = dt.timedelta(days=30)
    """A flag still holding is told again this often (its month's data arrive monthly)."""

    @classmethod
    def from_env(cls) -> Policy:
        def number(name: str, default: float) -> float:
            value = os.environ.get(f"RESETTLE_ALERT_{name}")
            return float(value) if value else default

        base = cls()
        return cls(
            reminder_days=number("REMINDER_DAYS", base.reminder_days),
            late_every=dt.timedelta(days=number("LATE_EVERY_DAYS", base.late_every.days)),
            escalate_after_days=number("ESCALATE_AFTER_DAYS", base.escalate_after_days),
            findings_shown=int(number("FINDINGS_SHOWN", base.findings_shown)),
        )


@dataclass(frozen=True)
class Condition:
    key: str
    """What the alert log (`ops.alert`) knows the condition by: sent again only when its cadence allows."""
    kind: str
    """A row of the `alert_kinds` seed: the label and, unless a flag names them, the receivers."""
    title_zh: str
    message_zh: str
    source: str | None = None
    """The district or department the condition is about; the `source` role resolves to its contacts."""
    dataset: str | None = None
    period: str | None = None
    submission_id: int | None = None
    """The file a file condition (a rejection, warnings) is about."""
    sendable: bool = True
    cadence: dt.timedelta | None = None
    """None: send once ever; otherwise at most once per cadence while the condition holds."""
    facts: dict = field(default_factory=dict, compare=False)
    """Plain fields for the `json` webhook format (and tests)."""
    flag_code: str | None = None
    """For a `flag` condition: the flag, whose seed row names the receivers."""
    attachments: tuple[str, ...] = field(default=(), compare=False)
    """Files the mail carries (a receipt workbook); the message names them, never by their server path."""

    @property
    def roles(self) -> tuple[str, ...]:
        """The contacts-file roles to send to (see the `alert_kinds` and `consistency_flags` seeds)."""
        if self.flag_code is not None:
            named = consistency_flags()[self.flag_code].alert_recipients
        else:
            named = alert_kinds()[self.kind].recipients
        roles = (self.source if r == "source" else r for r in named)
        return tuple(dict.fromkeys(r for r in roles if r))


@dataclass(frozen=True)
class RejectedFile:
    """A rejected submission and its first problems, as read from ops.submission and ops.finding."""

    submission_id: int
    source: str
    dataset: str | None
    period: str
    file_name: str
    errors: int
    findings: Sequence[Finding]
    receipt: str | None
    """The receipt's path in the outbox (attached to the mail), if it was written."""
    sendable: bool = True


@dataclass(frozen=True)
class WarnedFile:
    """A file accepted with warnings and still in force, and its first warnings (ops.submission, ops.finding)."""

    submission_id: int
    source: str
    dataset: str | None
    period: str
    file_name: str
    warnings: int
    findings: Sequence[Finding]
    receipt: str | None
    sendable: bool = True


def receipt_name(receipt: str | None) -> str | None:
    """The receipt as the sender knows it: its file name (the mail carries the file itself)."""
    return receipt.replace("\\", "/").rsplit("/", 1)[-1] if receipt else None


def key(kind: str, *parts: object) -> str:
    return ":".join([kind, *(str(p) for p in parts)])


def period_conditions(
    items: Iterable,
    as_of: dt.datetime,
    policy: Policy,
    names: dict[str, str],
    titles: dict[str, str],
    sendable: bool = True,
) -> list[Condition]:
    """Reminder, late and escalation conditions of one period from its expected submissions
    (`resettle.timeliness.expected.ExpectedSubmission`); `sendable=False` evaluates a period only to resolve."""
    by_source: dict[str, list] = {}
    for item in items:
        by_source.setdefault(item.source, []).append(item)
    out = []
    for source, mine in by_source.items():
        open_items = [e for e in mine if e.state != "complete"]
        if not open_items:
            continue
        period, due = mine[0].period, mine[0].due_at
        pending = [(titles[e.dataset], messages.STATE_ZH[e.state]) for e in open_items]
        base = {"source": source, "source_zh": names[source], "period": period, "due_at": due.isoformat()}
        title, text = messages.reminder(names[source], period, due, pending)
        out.append(
            Condition(
                key("reminder", source, period),
                "reminder",
                title,
                text,
                source=source,
                period=period,
                sendable=sendable and due - dt.timedelta(days=policy.reminder_days) <= as_of <= due,
                facts={**base, "datasets": [e.dataset for e in open_items]},
            )
        )
        if as_of <= due:
            continue
        days_late = days_past(due, as_of)
        for e in open_items:
            title, text = messages.late(
                names[source], titles[e.dataset], period, due, days_late, e.state, e.latest_file_name, e.latest_errors
            )
            out.append(
                Condition(
                    key("late", source, e.dataset, period),
                    "late",
                    title,
                    text,
                    source=source,
                    dataset=e.dataset,
                    period=period,
                    submission_id=e.latest_submission_id,
                    cadence=policy.late_every,
                    sendable=sendable and e.state in ("missing", "rejected"),
                    facts={
                        **base,
                        "dataset": e.dataset,
                        "dataset_zh": titles[e.dataset],
                        "state": e.state,
                        "days_late": days_late,
                    },
                )
            )
        if as_of - due >= dt.timedelta(days=policy.escalate_after_days):
            title, text = messages.escalation(names[source], period, due, days_late, pending)
            out.append(
                Condition(
                    key("escalation", source, period),
                    "escalation",
                    title,
                    text,
                    source=source,
                    period=period,
                    sendable=sendable,
                    facts={**base, "datasets": [e.dataset for e in open_items], "days_late": days_late},
                )
            )
    return out


def invalid_conditions(
    rejected: Iterable[RejectedFile],
    complete: set[tuple[str, str | None, str]],
    names: dict[str, str],
    titles: dict[str, str],
) -> list[Condition]:
    """One condition per rejected file whose dataset has no accepted file yet in its month.

    `complete` holds (source, dataset, period) with an accepted file; a file whose dataset could not be
    recognised is keyed (source, None, period) and clears when all the source's datasets are complete.
    """
    out = []
    for r in rejected:
        if (r.source, r.dataset, r.period) in complete:
            continue
        dataset_zh = titles.get(r.dataset) if r.dataset else None
        title, text = messages.invalid(
            names[r.source], dataset_zh, r.period, r.file_name, r.errors, r.findings, receipt_name(r.receipt)
        )
        out.append(_file_condition("invalid", r, names[r.source], dataset_zh, title, text, errors=r.errors))
    return out


def warned_conditions(warned: Iterable[WarnedFile], names: dict[str, str], titles: dict[str, str]) -> list[Condition]:
    """One condition per file accepted with warnings and still in force: its sender is told what to check.

    It clears when the file is replaced (a corrected file in force, with or without warnings of its own)."""
    out = []
    for w in warned:
        dataset_zh = titles.get(w.dataset) if w.dataset else None
        title, text = messages.warned(
            names[w.source], dataset_zh, w.period, w.file_name, w.warnings, w.findings, receipt_name(w.receipt)
        )
        out.append(_file_condition("warned", w, names[w.source], dataset_zh, title, text, warnings=w.warnings))
    return out


def _file_condition(
    kind: str,
    f: RejectedFile | WarnedFile,
    source_zh: str,
    dataset_zh: str | None,
    title: str,
    text: str,
    **counts: int,
) -> Condition:
    """A condition about one file, told to its sender with the receipt attached."""
    return Condition(
        key(kind, f.source, f.dataset or "unknown", f.period, f.submission_id),
        kind,
        title,
        text,
        source=f.source,
        dataset=f.dataset,
        period=f.period,
        submission_id=f.submission_id,
        sendable=f.sendable,
        facts={
            "source": f.source,
            "source_zh": source_zh,
            "dataset": f.dataset,
            "dataset_zh": dataset_zh,
            "period": f.period,
            "file_name": f.file_name,
            **counts,
            "receipt": receipt_name(f.receipt),
        },
        attachments=(f.receipt,) if f.receipt else (),
    )


def due_to_send(condition: Condition, last_sent: dt.datetime | None, as_of: dt.datetime) -> bool:
    """Never twice within the cadence: once-only conditions never again, repeating ones after `cadence`."""
    if not condition.sendable:
        return False
    if last_sent is None:
        return True
    return condition.cadence is not None and as_of - last_sent >= condition.cadence


@dataclass(frozen=True)
class OpenItem:
    """A supervised task still open in the office's file in force (read from raw.supervision_items)."""

    item_no: str
    period: str
    project_code: str | None
    task: str
    responsible_unit: str
    responsible_source: str | None
    due_date: dt.date
    submission_id: int | None = None


def supervision_conditions(items: Iterable[OpenItem], as_of: dt.datetime, policy: Policy) -> list[Condition]:
    """One repeating condition per open item past its due date (Beijing date) whose unit is a known source."""
    from resettle.domain.periods import SHANGHAI

    today = as_of.astimezone(SHANGHAI).date()
    out = []
    for item in items:
        if item.due_date >= today or item.responsible_source is None:
            continue
        days = (today - item.due_date).days
        title, text = messages.supervision_overdue(
            item.responsible_unit, item.item_no, item.task, item.project_code, item.due_date, days
        )
        out.append(
            Condition(
                key("supervision", item.item_no),
                "supervision",
                title,
                text,
                source=item.responsible_source,
                dataset="supervision_items",
                period=item.period,
                submission_id=item.submission_id,
                cadence=policy.late_every,
                facts={
                    "item_no": item.item_no,
                    "project_code": item.project_code,
                    "task": item.task,
                    "responsible_unit": item.responsible_unit,
                    "due_date": item.due_date.isoformat(),
                    "days_overdue": days,
                },
            )
        )
    return out


@dataclass(frozen=True)
class FlaggedProject:
    """A project of the latest month built with its alerting flags (read from marts.project_joint_review)."""

    period: str
    project_code: str
    project_name: str | None
    district: str
    flag_codes: tuple[str, ...]
    counts: dict = field(default_factory=dict, compare=False)
    """What the flags count on the project (households, certificates, petitions, agreements), by column."""


FLAG_COUNTS = {
    "F21": ("households_lacking_certificate_application", "户安置满6个月未申请办证"),
    "F22": ("certificates_blocked_by_tax", "套产权证因开发企业欠税暂缓办理"),
    "F23": ("petitions_without_handler", "件到省进京信访未落实专人"),
    "F24": ("mass_petitions_open", "件集体信访未办结"),
    "F25": ("refunds_overdue", "户退款逾期未退清"),
    "F26": ("repayments_overdue", "份偿还协议逾期未还清"),
    "F27": ("households_offsite", "户异地安置，尚无偿还协议"),
}
"""The mart column a flag counts on a project, and how the message words the number."""


def flag_conditions(projects: Iterable[FlaggedProject], policy: Policy, names: dict[str, str]) -> list[Condition]:
    """One repeating condition per project and alerting flag (a flag whose seed row names receivers)."""
    flags = consistency_flags()
    out = []
    for project in projects:
        for code in project.flag_codes:
            flag = flags.get(code)
            if flag is None or not flag.alert_recipients:
                continue
            column, unit_zh = FLAG_COUNTS.get(code, ("", ""))
            count = project.counts.get(column)
            title, text = messages.flag(
                flag.label_zh,
                names.get(project.district, project.district),
                project.project_code,
                project.project_name,
                project.period,
                f"{count}{unit_zh}" if count else None,
            )
            out.append(
                Condition(
                    key("flag", code, project.project_code),
                    "flag",
                    title,
                    text,
                    source=project.district,
                    period=project.period,
                    cadence=policy.flag_every,
                    flag_code=code,
                    facts={
                        "flag_code": code,
                        "flag_zh": flag.label_zh,
                        "project_code": project.project_code,
                        "district": project.district,
                        "period": project.period,
                        "count": count,
                    },
                )
            )
    return out
