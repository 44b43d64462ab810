"""A reporting month replayed hour by hour against a real warehouse, a real SMTP server and a real webhook:
who is reminded, who is told they are late, when leadership hears of it, what a sender of a rejected file
reads, that nothing is sent twice, that cleared alerts are resolved, and that a broken channel neither
stops the other nor the check."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from pathlib import Path

import psycopg
import pytest

from resettle.airflow.pipeline import ingest_month, prepare_warehouse
from resettle.alerts.channels import Delivery
from resettle.alerts.conditions import Policy
from resettle.alerts.engine import check
from resettle.devtools.generator import generate
from resettle.domain.config import SOURCES
from resettle.domain.contracts import datasets_for
from resettle.domain.net import free_port
from resettle.domain.periods import SHANGHAI
from resettle.intake.receipt import receipt_path
from tests.airflow_fakes import task_instance
from tests.alert_receivers import SmtpReceiver, WebhookReceiver, webhook_conn_json

pytestmark = pytest.mark.integration
PERIOD = "2026-10"  # due 2026-10-25 23:59:59 Asia/Shanghai
FAST = Delivery(retries=2, backoff_seconds=0, timeout_seconds=5)
ROSTER = "household_roster"
DISTRICT_DATASETS = ("household_roster", "monthly_progress", "project_ledger")
EXPECTED_DATASETS = sum(len(datasets_for(source)) for source in SOURCES)


def at(month: int, day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


def _touch(path: Path, moment: dt.datetime) -> None:
    os.utime(path, (moment.timestamp(), moment.timestamp()))


def _break_id_numbers(text: str, rows: int) -> str:
    """The same roster with the resident ID check character wrong in its first `rows` households."""
    lines = text.splitlines(keepends=True)
    column = lines[0].rstrip("\r\n").split(",").index("身份证号")
    for i in range(1, rows + 1):
        cells = lines[i].rstrip("\r\n").split(",")
        cells[column] = cells[column][:-1] + ("0" if cells[column][-1] != "0" else "1")
        lines[i] = ",".join(cells) + lines[i][len(lines[i].rstrip("\r\n")) :]
    return "".join(lines)


@pytest.fixture
def month(resettle_env, warehouse_url, monkeypatch):
    """October 2026: taishan never reports, xingan reports everything on the 27th, gongnong's roster is
    rejected on the 23rd and fixed on 1 November, everyone else reports on the 20th. Every file is ingested
    up front; the check's as-of moment hides the files received later."""
    monkeypatch.setenv("RESETTLE_WAREHOUSE_URL", warehouse_url)
    landing = resettle_env["landing"]
    generate(landing, PERIOD, months=1, households=300, seed=5)
    for i, path in enumerate(sorted(landing.glob(f"*/{PERIOD}/*"))):
        _touch(path, at(10, 20, 10, i))
    shutil.rmtree(landing / "taishan")
    for path in (landing / "xingan" / PERIOD).iterdir():
        _touch(path, at(10, 27, 10))
    roster = next((landing / "gongnong" / PERIOD).glob("*居民台账*.csv"))
    good = roster.read_bytes()
    fixed = roster.with_name(roster.stem + "_更正.csv")
    fixed.write_bytes(good)
    roster.write_bytes(_break_id_numbers(good.decode("utf-8-sig"), rows=7).encode("utf-8-sig"))
    _touch(roster, at(10, 23, 10))
    _touch(fixed, at(11, 1, 10))
    prepare_warehouse(warehouse_url)
    ingest_month(PERIOD, warehouse_url)
    with psycopg.connect(warehouse_url) as conn:
        statuses = dict(
            conn.execute(
                "select file_name, status from ops.submission where source = 'gongnong' and dataset = %s", (ROSTER,)
            )
        )
        rejected = conn.execute(
            "select submission_id, file_name from ops.submission where status = 'rejected'"
        ).fetchall()
    assert statuses == {roster.name: "rejected", fixed.name: "accepted"}, statuses
    assert [name for _, name in rejected if "领导小组办公室" not in name] == [roster.name]
    rejected = [(i, name) for i, name in rejected if name == roster.name]
    return {
        "url": warehouse_url,
        "rejected_id": rejected[0][0],
        "rejected_file": roster.name,
        "outbox": resettle_env["outbox"],
    }


@pytest.fixture
def receivers(monkeypatch):
    with SmtpReceiver() as smtp, WebhookReceiver() as hook:
        monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", smtp.conn_uri())
        monkeypatch.setenv("AIRFLOW_CONN_RESETTLE_WEBHOOK", hook.conn_json("dingtalk"))
        yield smtp, hook


def _check(url: str, as_of: dt.datetime, **kwargs) -> list[dict]:
    with psycopg.connect(url, autocommit=True) as conn:
        return check(conn, as_of, periods=[PERIOD], policy=Policy(), delivery=FAST, **kwargs)


def _late(*pairs: tuple[str, str]) -> set[str]:
    return {f"late:{source}:{dataset}:{PERIOD}" for source, dataset in pairs}


def _office(key: str) -> bool:
    """The office's own alerts: its records name taishan's projects, which taishan never reported, so its files
    are rejected here; this month is about the districts."""
    return key.startswith("supervision:") or ":office:" in key


def _rows(url: str, key_prefix: str = "") -> list[dict]:
    from psycopg.rows import dict_row

    with psycopg.connect(url, row_factory=dict_row) as conn:
        return conn.execute(
            "select * from ops.alert where condition_key like %s order by alert_id", (key_prefix + "%",)
        ).fetchall()


def test_a_month_of_alerts_reaches_the_right_people_once_and_clears(month, receivers):
    smtp, hook = receivers
    url = month["url"]
    invalid_key = f"invalid:gongnong:{ROSTER}:{PERIOD}:{month['rejected_id']}"
    taishan_late = _late(*(("taishan", d) for d in DISTRICT_DATASETS))
    xingan_late = _late(*(("xingan", d) for d in DISTRICT_DATASETS))

    mailed: list = []
    posted: list = []
    warned: list[str] = []

    def step(as_of: dt.datetime, expected: set[str]) -> list[dict]:
        sent = _check(url, as_of)
        warned.extend(a["condition_key"] for a in sent if a["kind"] == "warned")  # checked at the end
        keys = [a["condition_key"] for a in sent if not _office(a["condition_key"]) and a["kind"] != "warned"]
        assert sorted(keys) == sorted(expected), as_of
        mails, posts = smtp.take(), hook.take()
        mailed[:], posted[:] = mails, posts
        assert sorted(m.subject for m in mails) == sorted(a["title_zh"] for a in sent)
        assert sorted(p["body"]["markdown"]["title"] for p in posts) == sorted(a["title_zh"] for a in sent)
        for alert in sent:
            assert {r["status"] for r in alert["channel_results"].values()} == {"sent"}, alert["channel_results"]
        return sent

    # 4 days before the due time: nothing yet
    step(at(10, 21, 12), set())

    # 2½ days before: a reminder to each source not complete, and gongnong's rejected roster right away
    sent = step(at(10, 23, 12), {f"reminder:{s}:{PERIOD}" for s in ("taishan", "xingan", "gongnong")} | {invalid_key})
    by_key = {a["condition_key"]: a for a in sent}
    reminder = by_key[f"reminder:taishan:{PERIOD}"]
    assert [r["role"] for r in reminder["recipients"]] == ["taishan"]
    assert "泰山区" in reminder["title_zh"] and "2026年10月" in reminder["title_zh"]
    assert "逾期未回迁安置居民台账：未报送" in reminder["message_zh"]
    assert "2026年10月25日 23:59" in reminder["message_zh"]
    invalid = by_key[invalid_key]
    assert [r["email"] for r in invalid["recipients"]] == [["gongnong@district.example.org"]]
    assert "共发现7处错误" in invalid["message_zh"] and "前5处" in invalid["message_zh"]
    assert "第2行、“身份证号”列" in invalid["message_zh"] and "第6行" in invalid["message_zh"]
    assert "第7行" not in invalid["message_zh"], "only the first findings are listed"
    receipt = receipt_path(month["outbox"], "gongnong", PERIOD, month["rejected_file"], month["rejected_id"])
    assert receipt.exists() and f"《{receipt.name}》（邮件附件" in invalid["message_zh"]
    assert str(receipt.parent) not in invalid["message_zh"], "the message names the receipt, not a server path"
    [mail] = [m for m in mailed if m.subject == invalid["title_zh"]]
    [attached] = list(mail.message.iter_attachments())
    assert attached.get_filename() == receipt.name and attached.get_content() == receipt.read_bytes()
    [post] = [p for p in posted if p["body"]["markdown"]["title"] == invalid["title_zh"]]
    assert receipt.name in post["body"]["markdown"]["text"] and str(receipt.parent) not in json.dumps(post["body"])

    # a day later: reminders and the rejection were already sent
    step(at(10, 24, 12), set())

    # an hour after the due time: one late alert per missing or rejected dataset, to source and office
    sent = step(at(10, 26, 1), taishan_late | xingan_late | _late(("gongnong", ROSTER)))
    late = next(a for a in sent if a["condition_key"] == f"late:gongnong:{ROSTER}:{PERIOD}")
    assert [r["role"] for r in late["recipients"]] == ["gongnong", "office"]
    assert late["title_zh"] == "【逾期未报】工农区2026年10月「逾期未回迁安置居民台账」已逾期1天"
    assert "被退回" in late["message_zh"]

    # +1 day: within the late cadence, nothing is repeated
    step(at(10, 27, 1), set())

    # +2 days: xingan reported on the 27th, so its alerts are resolved; the others are repeated
    step(at(10, 28, 1), taishan_late | _late(("gongnong", ROSTER)))
    xingan_rows = [r for r in _rows(url, "%:xingan:") if r["kind"] != "warned"]  # warnings stand (see below)
    assert len(xingan_rows) == 4 and all(r["resolved_at"] == at(10, 28, 1) for r in xingan_rows)

    # +6 days (and an hour): leadership hears of taishan and gongnong (once per source), and the late alerts go on
    sent = step(
        at(11, 1, 1),
        taishan_late | _late(("gongnong", ROSTER)) | {f"escalation:taishan:{PERIOD}", f"escalation:gongnong:{PERIOD}"},
    )
    escalation = next(a for a in sent if a["condition_key"] == f"escalation:taishan:{PERIOD}")
    assert [r["role"] for r in escalation["recipients"]] == ["leadership", "office"]
    assert "逾期7天" in escalation["title_zh"], "6 days and an hour: whole days rounded up, as in timeliness"
    assert escalation["message_zh"].count("：未报送") == 3

    # gongnong's corrected roster arrives at 10:00; at noon its alerts are resolved, taishan's stay open
    step(at(11, 1, 12), set())
    step(at(11, 1, 12), set())
    gongnong = [r for r in _rows(url, "%:gongnong:") if r["kind"] != "warned"]
    assert {r["kind"] for r in gongnong} == {"reminder", "invalid", "late", "escalation"}
    assert len(gongnong) == 6 and all(r["resolved_at"] == at(11, 1, 12) for r in gongnong)
    taishan = [r for r in _rows(url, "%:taishan:") if r["kind"] != "warned"]
    assert len(taishan) == 1 + 3 * 3 + 1 and all(r["resolved_at"] is None for r in taishan)
    assert len({(r["condition_key"], r["sent_at"]) for r in _rows(url)}) == len(_rows(url)), "no duplicates"
    with psycopg.connect(url) as conn:
        in_force_with_warnings = conn.execute(
            """select source, dataset, period, submission_id from ops.submission
               where status = 'accepted_with_warnings' and period = %s""",
            (PERIOD,),
        ).fetchall()
    assert sorted(warned) == sorted(f"warned:{s}:{d}:{p}:{i}" for s, d, p, i in in_force_with_warnings), (
        "each file accepted with warnings is told to its sender once"
    )

    from resettle.warehouse.dbt_runner import run_dbt

    outcome = run_dbt(["build", "--select", "+alert_history", "--indirect-selection", "cautious"], url)
    assert outcome.success, outcome.failures
    with psycopg.connect(url) as conn:
        history = conn.execute(
            "select kind_zh, source_name_zh, channels_ok, is_open, recipient_count from marts.alert_history"
        ).fetchall()
    assert len(history) == len(_rows(url))
    assert all(ok for _, _, ok, _, _ in history), "every alert reached both channels"
    others = [r for r in _rows(url) if _office(r["condition_key"]) or r["kind"] == "warned"]
    assert sum(is_open for *_, is_open, _ in history) == len(taishan) + sum(r["resolved_at"] is None for r in others)
    assert {kind for kind, *_ in history} - {"数据提示"} == {"报送提醒", "数据退回", "逾期未报", "逾期升级"}
    assert all(n >= 1 for *_, n in history)


def test_mail_and_webhook_carry_readable_chinese(month, receivers):
    smtp, hook = receivers
    _check(month["url"], at(11, 1, 1))
    mails = {m.subject: m for m in smtp.take()}
    posts = {p["body"]["markdown"]["title"]: p for p in hook.take()}
    subject = next(s for s in mails if s.startswith("【逾期督办】泰山区"))
    mail = mails[subject]
    assert "=?utf-8?" in mail.raw_subject.lower(), "the Chinese subject travels as RFC 2047 encoded words"
    assert sorted(mail.recipients) == ["leadership@leading-group.example.org", "office@leading-group.example.org"]
    assert mail.message.get_content_charset() == "utf-8" and "已逾期7天" in mail.body
    assert "回迁安置数据平台" in str(mail.message["From"])
    post = posts[subject]
    assert post["path"] == "/robot/send?access_token=test-token"
    assert post["content_type"].startswith("application/json")
    assert post["body"]["msgtype"] == "markdown" and subject in post["body"]["markdown"]["text"]
    assert post["body"]["at"]["atMobiles"] == ["13800000000"], "the office is @-mentioned"


@pytest.mark.parametrize("failure", ["http_500", "refused"])
def test_a_failing_webhook_is_retried_and_logged_and_mail_still_goes(failure, warehouse_url, resettle_env, monkeypatch):
    prepare_warehouse(warehouse_url)
    with SmtpReceiver() as smtp, WebhookReceiver(status=500) as hook:
        port = hook.port if failure == "http_500" else free_port()
        monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", smtp.conn_uri())
        monkeypatch.setenv("AIRFLOW_CONN_RESETTLE_WEBHOOK", webhook_conn_json(port, "wecom"))
        sent = _check(warehouse_url, at(10, 23, 12))
        assert len(sent) == len(SOURCES), "nobody has reported: a reminder to every source"
        assert len(smtp.take()) == len(SOURCES)
        assert len(hook.take()) == (3 * len(SOURCES) if failure == "http_500" else 0), "three attempts each"
        again = _check(warehouse_url, at(10, 23, 12))
    assert again == [], "mail got through, so the alert counts as sent"
    rows = _rows(warehouse_url)
    assert len(rows) == len(SOURCES)
    for row in rows:
        webhook, email = row["channel_results"]["webhook"], row["channel_results"]["email"]
        assert email["status"] == "sent" and email["attempts"] == 1
        assert webhook["status"] == "failed" and webhook["attempts"] == 3
        assert ("500" in webhook["error"]) if failure == "http_500" else ("refused" in webhook["error"].lower())


def test_an_alert_no_channel_delivered_is_tried_again_and_unconfigured_channels_are_skipped(
    warehouse_url, resettle_env, monkeypatch
):
    prepare_warehouse(warehouse_url)
    monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", f"smtp://127.0.0.1:{free_port()}?disable_ssl=true&disable_tls=true")
    monkeypatch.delenv("AIRFLOW_CONN_RESETTLE_WEBHOOK", raising=False)
    first = _check(warehouse_url, at(10, 23, 12))
    assert len(first) == len(SOURCES)
    assert all(a["channel_results"]["email"]["status"] == "failed" for a in first)
    assert all(a["channel_results"]["webhook"]["status"] == "skipped" for a in first)
    assert len(_check(warehouse_url, at(10, 23, 13))) == len(SOURCES), "nobody got it: tried again"
    monkeypatch.delenv("AIRFLOW_CONN_SMTP_DEFAULT")
    skipped = _check(warehouse_url, at(10, 23, 14))
    assert {r["status"] for a in skipped for r in a["channel_results"].values()} == {"skipped"}
    assert _check(warehouse_url, at(10, 23, 15)) == [], "recorded as skipped: not repeated every hour"


def test_dry_run_sends_and_records_nothing(warehouse_url, resettle_env, receivers):
    smtp, hook = receivers
    prepare_warehouse(warehouse_url)
    planned = _check(warehouse_url, at(10, 26, 1), dry_run=True)
    assert len(planned) == EXPECTED_DATASETS and {a["kind"] for a in planned} == {"late"}
    assert smtp.take() == [] and hook.take() == [] and _rows(warehouse_url) == []
    assert len(_check(warehouse_url, at(10, 26, 1))) == EXPECTED_DATASETS


def test_cli_replays_a_moment_and_lists_the_log(warehouse_url, resettle_env, receivers, monkeypatch, capsys, tmp_path):
    import argparse

    from resettle.cli.alerts import add_commands

    monkeypatch.setenv("RESETTLE_WAREHOUSE_URL", warehouse_url)
    monkeypatch.setenv("RESETTLE_ALERT_BACKOFF_SECONDS", "0")
    parser = argparse.ArgumentParser(prog="resettle")
    add_commands(parser.add_subparsers(dest="command", required=True))

    def run(*argv: str) -> tuple[int, str]:
        args = parser.parse_args(["alerts", *argv])
        code = args.func(args)
        captured = capsys.readouterr()
        return code, captured.out + captured.err

    code, out = run("check", "--as-of", "2026-10-26 01:00", "--period", PERIOD, "--dry-run")
    assert code == 0 and f"将发送 {EXPECTED_DATASETS} 条提醒（试运行" in out and _rows(warehouse_url) == []
    code, out = run("check", "--as-of", "2026-10-26 01:00", "--period", PERIOD)
    assert code == 0 and f"已发送 {EXPECTED_DATASETS} 条提醒" in out and out.count("【逾期未报】") == EXPECTED_DATASETS
    code, out = run("list", "--open")
    assert code == 0 and out.count("【逾期未报】") == EXPECTED_DATASETS and out.count("未解除") == EXPECTED_DATASETS
    assert "泰山区" in out and "逾期未回迁安置居民台账" in out and "已发送" in out
    code, out = run("list", "--open", "--json")
    assert code == 0 and len(json.loads(out)) == EXPECTED_DATASETS

    from resettle.domain.net import free_port

    monkeypatch.setenv("AIRFLOW_CONN_RESETTLE_WEBHOOK", webhook_conn_json(free_port(), "wecom"))
    monkeypatch.setenv("RESETTLE_ALERT_RETRIES", "0")
    code, out = run("check", "--as-of", "2026-10-28 01:30", "--period", PERIOD)
    assert code == 1, "a channel that failed makes the check fail"
    assert f"群消息：失败 {EXPECTED_DATASETS}" in out and f"邮件：已发送 {EXPECTED_DATASETS}" in out
    assert "发送失败" in out

    broken = tmp_path / "contacts.yml"
    broken.write_text("taishan: {email: [nobody]}\n", encoding="utf-8")
    monkeypatch.setenv("RESETTLE_CONTACTS", str(broken))
    code, out = run("check", "--as-of", "2026-10-28 01:00", "--period", PERIOD)
    assert code == 2 and "missing entries for" in out and str(broken) in out


def test_a_failed_task_alerts_the_engineers_once_even_without_the_warehouse(
    warehouse_url, resettle_env, receivers, monkeypatch
):
    from types import SimpleNamespace

    from resettle.airflow.callbacks import notify_failure

    smtp, hook = receivers
    prepare_warehouse(warehouse_url)
    monkeypatch.setenv("AIRFLOW_CONN_RESETTLE_WAREHOUSE", warehouse_url)
    monkeypatch.setenv("RESETTLE_ALERT_BACKOFF_SECONDS", "0")
    ti = task_instance("build_marts", "dbt.int_projects_unified_run", run_id="manual__1", try_number=2)
    context = {"ti": ti, "task": object(), "exception": RuntimeError("dbt build failed")}
    notify_failure(context)
    notify_failure(context)
    [mail] = smtp.take()
    assert mail.recipients == ["data-eng@platform.example.org"]
    assert mail.subject == "【流程故障】任务 build_marts.dbt.int_projects_unified_run 运行失败"
    assert "dbt build failed" in mail.body and len(hook.take()) == 1
    [row] = _rows(warehouse_url)
    assert row["kind"] == "pipeline"
    assert row["condition_key"] == "pipeline:failed:build_marts:dbt.int_projects_unified_run:manual__1"

    monkeypatch.setenv("AIRFLOW_CONN_RESETTLE_WAREHOUSE", f"postgresql://nobody:nothing@127.0.0.1:{free_port()}/none")
    notify_failure({**context, "ti": SimpleNamespace(**{**vars(ti), "run_id": "manual__2"})})
    assert len(smtp.take()) == 1, "the warehouse being down is no reason to stay silent"
    assert len(_rows(warehouse_url)) == 1
