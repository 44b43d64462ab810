"""When each alert condition holds and may be sent, decided from plain expected-submission values: the
reminder window, one late alert per missing or rejected dataset, escalation after K days, the cadences."""

from __future__ import annotations

import datetime as dt

import pytest

from resettle.alerts import messages
from resettle.alerts.conditions import (
    Condition,
    FlaggedProject,
    Policy,
    RejectedFile,
    WarnedFile,
    due_to_send,
    flag_conditions,
    invalid_conditions,
    period_conditions,
    warned_conditions,
)
from resettle.domain import reference
from resettle.domain.findings import Finding
from resettle.domain.periods import SHANGHAI, due_at
from resettle.timeliness.expected import ExpectedSubmission, expected_submission

PERIOD = "2026-10"
DUE = due_at(PERIOD, reference.sources()["taishan"].due_day)
NAMES = {"taishan": "泰山区", "court": "市中级人民法院", "xiangyang": "向阳区"}
TITLES = {
    "project_ledger": "逾期未回迁安置项目台账",
    "household_roster": "逾期未回迁安置居民台账",
    "court_cases": "涉房地产开发企业案件信息",
}


REJECTED = {"submission_id": 7, "status": "rejected", "file_name": "居民台账.xlsx", "errors": 3, "message_zh": None}
FILES = {
    "missing": [],
    "processing": [{**REJECTED, "status": "received", "errors": 0}],
    "rejected": [REJECTED],
    "complete": [{**REJECTED, "status": "accepted", "errors": 0, "received_at": DUE - dt.timedelta(days=7)}],
}
"""The files received for a dataset in each state (`ops.submission` rows)."""


def expected(source: str, dataset: str, state: str, as_of: dt.datetime, due: dt.datetime = DUE) -> ExpectedSubmission:
    return expected_submission(source, dataset, PERIOD, due, None, FILES[state], as_of)


def evaluate(
    as_of: dt.datetime,
    states: dict[tuple[str, str], str],
    policy: Policy | None = None,
) -> dict[str, Condition]:
    items = [expected(s, d, state, as_of) for (s, d), state in states.items()]
    return {c.key: c for c in period_conditions(items, as_of, policy or Policy(), NAMES, TITLES)}


def sendable(found: dict[str, Condition]) -> set[str]:
    return {k for k, c in found.items() if c.sendable}


TAISHAN = {
    ("taishan", "project_ledger"): "complete",
    ("taishan", "household_roster"): "missing",
    ("court", "court_cases"): "complete",
}


@pytest.mark.parametrize(
    ("before", "sent"),
    [(dt.timedelta(days=3, hours=1), False), (dt.timedelta(days=2), True), (dt.timedelta(seconds=0), True)],
)
def test_reminder_is_sent_only_in_the_days_before_the_due_time(before, sent):
    found = evaluate(DUE - before, TAISHAN)
    assert set(found) == {"reminder:taishan:2026-10"}, "court is complete: no reminder"
    assert found["reminder:taishan:2026-10"].sendable is sent
    assert found["reminder:taishan:2026-10"].roles == ("taishan",)
    assert "逾期未回迁安置居民台账：未报送" in found["reminder:taishan:2026-10"].message_zh
    assert "项目台账" not in found["reminder:taishan:2026-10"].message_zh


def test_reminder_days_are_configurable():
    found = evaluate(DUE - dt.timedelta(days=6), TAISHAN, Policy(reminder_days=7))
    assert sendable(found) == {"reminder:taishan:2026-10"}


def test_after_the_due_time_each_missing_or_rejected_dataset_is_late_but_the_reminder_still_holds():
    states = {
        ("taishan", "project_ledger"): "rejected",
        ("taishan", "household_roster"): "missing",
        ("court", "court_cases"): "processing",
    }
    found = evaluate(DUE + dt.timedelta(hours=1), states)
    assert sendable(found) == {"late:taishan:project_ledger:2026-10", "late:taishan:household_roster:2026-10"}
    assert not found["late:court:court_cases:2026-10"].sendable, "a file being validated is not chased"
    assert "reminder:taishan:2026-10" in found, "held until the source is complete, so it is not resolved"
    late = found["late:taishan:project_ledger:2026-10"]
    assert late.roles == ("taishan", "office") and late.cadence == dt.timedelta(days=2)
    assert "《居民台账.xlsx》未通过校验被退回（3处错误）" in late.message_zh
    assert late.title_zh == "【逾期未报】泰山区2026年10月「逾期未回迁安置项目台账」已逾期1天"


@pytest.mark.parametrize(
    ("late_by", "escalated"), [(dt.timedelta(days=4, hours=23), False), (dt.timedelta(days=5), True)]
)
def test_escalation_to_leadership_after_k_days_once_per_source(late_by, escalated):
    states = {("taishan", "project_ledger"): "missing", ("taishan", "household_roster"): "missing"}
    found = evaluate(DUE + late_by, states)
    assert ("escalation:taishan:2026-10" in found) is escalated
    if escalated:
        escalation = found["escalation:taishan:2026-10"]
        assert escalation.roles == ("leadership", "office") and escalation.cadence is None
        assert escalation.message_zh.count("：未报送") == 2


def test_a_complete_month_holds_no_condition():
    assert evaluate(DUE + dt.timedelta(days=9), {("taishan", "project_ledger"): "complete"}) == {}


def test_a_period_evaluated_only_to_resolve_sends_nothing():
    items = [expected("taishan", "project_ledger", "missing", DUE + dt.timedelta(days=1))]
    found = period_conditions(items, DUE + dt.timedelta(days=1), Policy(), NAMES, TITLES, sendable=False)
    assert found and not any(c.sendable for c in found)


def test_once_only_and_repeating_cadences():
    now = DUE + dt.timedelta(days=3)
    once = Condition("reminder:taishan:2026-10", "reminder", "t", "m", source="taishan")
    repeat = Condition("late:taishan:x:2026-10", "late", "t", "m", source="taishan", cadence=dt.timedelta(days=2))
    assert due_to_send(once, None, now) and not due_to_send(once, now - dt.timedelta(days=30), now)
    assert not due_to_send(repeat, now - dt.timedelta(days=1, hours=23), now)
    assert due_to_send(repeat, now - dt.timedelta(days=2), now)
    assert not due_to_send(repeat, now, now), "the same moment again sends nothing"
    assert not due_to_send(Condition("k", "late", "t", "m", sendable=False), None, now)


def test_a_rejected_file_alerts_its_sender_until_its_dataset_is_accepted():
    finding = Finding(12, "身份证号", "230403194403220562", "身份证号校验位错误")
    rejected = RejectedFile(
        41,
        "taishan",
        "household_roster",
        PERIOD,
        "居民台账.xlsx",
        9,
        [finding],
        "/outbox/taishan/2026-10/居民台账_回执_41.xlsx",
    )
    [found] = invalid_conditions([rejected], set(), NAMES, TITLES)
    assert found.key == "invalid:taishan:household_roster:2026-10:41" and found.roles == ("taishan",)
    assert "共发现9处错误" in found.message_zh and "第12行、“身份证号”列" in found.message_zh
    assert "230403194403220562" not in found.message_zh, "ID numbers are masked in alerts"
    assert "《居民台账_回执_41.xlsx》（邮件附件" in found.message_zh
    assert "/outbox/" not in found.message_zh and "/outbox/" not in str(found.facts), "never a server path"
    assert found.attachments == ("/outbox/taishan/2026-10/居民台账_回执_41.xlsx",)
    assert invalid_conditions([rejected], {("taishan", "household_roster", PERIOD)}, NAMES, TITLES) == []


def test_a_file_accepted_with_warnings_tells_its_sender_what_to_check():
    warning = Finding(None, "户数", None, "涉及户数与居民台账户数不一致", "warning", "rule:households_match")
    warned = WarnedFile(
        52,
        "xiangyang",
        "project_ledger",
        PERIOD,
        "台账.xlsx",
        3,
        [warning],
        "/outbox/xiangyang/2026-10/台账_回执_52.xlsx",
    )
    [found] = warned_conditions([warned], NAMES, TITLES)
    assert found.key == "warned:xiangyang:project_ledger:2026-10:52" and found.roles == ("xiangyang",)
    assert found.kind == "warned" and found.cadence is None, "told once"
    assert found.title_zh.startswith("【数据提示】") and "有3处需要核实" in found.title_zh
    assert "1. “户数”列：涉及户数与居民台账户数不一致" in found.message_zh and "前1处" in found.message_zh
    assert "《台账_回执_52.xlsx》" in found.message_zh and "/outbox/" not in found.message_zh
    assert found.attachments == ("/outbox/xiangyang/2026-10/台账_回执_52.xlsx",)
    assert found.facts["receipt"] == "台账_回执_52.xlsx"


def test_policy_reads_the_environment(monkeypatch):
    monkeypatch.setenv("RESETTLE_ALERT_REMINDER_DAYS", "5")
    monkeypatch.setenv("RESETTLE_ALERT_LATE_EVERY_DAYS", "1")
    monkeypatch.setenv("RESETTLE_ALERT_ESCALATE_AFTER_DAYS", "10")
    policy = Policy.from_env()
    assert (policy.reminder_days, policy.late_every, policy.escalate_after_days) == (5, dt.timedelta(days=1), 10)


def test_messages_write_deadlines_in_beijing_time_and_mask_long_numbers():
    assert messages.when(dt.datetime(2026, 10, 25, 15, 59, 59, tzinfo=dt.UTC)) == "2026年10月25日 23:59"
    assert messages.mask("230403194403220561") == "2304**********0561"
    assert messages.mask("13792456599") == "1379***6599"
    assert messages.mask("GN2017-001") == "GN2017-001"
    assert messages.mask(None) == "（空）"
    assert SHANGHAI.utcoffset(None) == dt.timedelta(hours=8)


def test_default_months_are_the_last_one_due_and_the_current_one_in_beijing_time():
    from resettle.alerts.engine import default_periods

    assert default_periods(dt.datetime(2026, 10, 23, 12, tzinfo=SHANGHAI)) == ["2026-09", "2026-10"]
    assert default_periods(dt.datetime(2026, 10, 26, 1, tzinfo=SHANGHAI)) == ["2026-10"]
    assert default_periods(dt.datetime(2026, 10, 24, 16, 30, tzinfo=dt.UTC)) == ["2026-10"], "25th, 00:30 in Shanghai"
    assert default_periods(dt.datetime(2027, 1, 3, tzinfo=SHANGHAI)) == ["2026-12", "2027-01"]


def test_certificate_petition_and_repayment_flags_alert_the_units_the_policy_names():
    project = FlaggedProject(
        PERIOD,
        "XY2015-001",
        "滨河家园",
        "xiangyang",
        ("F06", "F21", "F22", "F23", "F24", "F25", "F26", "F27"),
        {"households_lacking_certificate_application": 3, "petitions_without_handler": 1},
    )
    found = {c.flag_code: c for c in flag_conditions([project], Policy(), {"xiangyang": "向阳区"})}
    assert "F06" not in found, "a flag shown only on the review sheet sends nothing"
    assert {code: c.roles for code, c in found.items()} == {
        "F21": ("xiangyang", "registration"),
        "F22": ("tax", "office"),
        "F23": ("xiangyang", "petition"),
        "F24": ("xiangyang", "petition", "office"),
        "F25": ("xiangyang", "office"),
        "F26": ("housing_center", "office"),
        "F27": ("housing_bureau", "housing_center"),
    }
    f21 = found["F21"]
    assert (f21.kind, f21.key, f21.cadence) == ("flag", "flag:F21:XY2015-001", Policy().flag_every)
    assert "向阳区" in f21.title_zh and "安置满6个月仍未申请办理产权证" in f21.title_zh
    assert "3户安置满6个月未申请办证" in f21.message_zh and "滨河家园" in f21.message_zh
    assert due_to_send(f21, None, DUE) and not due_to_send(f21, DUE, DUE + dt.timedelta(days=29))


def test_every_alert_kind_has_its_receivers_and_label_in_the_seed():
    from resettle.domain.vocabulary import alert_kinds, consistency_flags

    contacts = {"source", "office", "leadership", "engineers", *reference.sources()}
    for kind in alert_kinds().values():
        assert kind.kind_zh and set(kind.recipients) <= contacts
        assert kind.recipients or kind.kind == "flag"
    for flag in consistency_flags().values():
        assert set(flag.alert_recipients) <= contacts, flag
