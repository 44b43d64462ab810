"""Delivery to a real SMTP server and a real HTTP endpoint on loopback, configured only through
AIRFLOW_CONN_* variables: readable Chinese mail, each webhook format's body, retries, and skipped channels."""

from __future__ import annotations

import json

import pytest

from resettle.alerts import channels
from resettle.alerts.channels import Delivery, Outgoing
from tests.alert_receivers import SmtpReceiver, WebhookReceiver

FAST = Delivery(retries=2, backoff_seconds=0, timeout_seconds=5)
MESSAGE = Outgoing("【逾期未报】泰山区2026年10月「逾期未回迁安置居民台账」已逾期2天",
                   "泰山区的数据已逾期。\n请尽快报送。",
                   ("taishan@district.example.org", "office@leading-group.example.org"), ("13800000000",),
                   {"condition_key": "late:taishan:household_roster:2026-10", "kind": "late"})


@pytest.fixture
def smtp(monkeypatch):
    with SmtpReceiver() as receiver:
        monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", receiver.conn_uri())
        yield receiver


@pytest.fixture
def no_webhook(monkeypatch):
    monkeypatch.delenv("AIRFLOW_CONN_RESETTLE_WEBHOOK", raising=False)


def test_mail_has_an_encoded_chinese_subject_and_utf8_body(smtp, no_webhook):
    results = channels.deliver(MESSAGE, FAST)
    assert results["email"] == {"status": "sent", "attempts": 1, "to": list(MESSAGE.emails)}
    assert results["webhook"]["status"] == "skipped" and "resettle_webhook" in results["webhook"]["reason"]
    [mail] = smtp.take()
    assert mail.subject == MESSAGE.title and "=?utf-8?" in mail.raw_subject.lower()
    assert mail.body.replace("\r\n", "\n").strip() == MESSAGE.text
    assert sorted(mail.recipients) == sorted(MESSAGE.emails) and mail.sender == "alerts@platform.example.org"


@pytest.mark.parametrize("fmt", ["dingtalk", "wecom", "json"])
def test_each_webhook_format_gets_its_body(fmt, monkeypatch):
    monkeypatch.delenv("AIRFLOW_CONN_SMTP_DEFAULT", raising=False)
    with WebhookReceiver() as hook:
        monkeypatch.setenv("AIRFLOW_CONN_RESETTLE_WEBHOOK", hook.conn_json(fmt, path="/hook"))
        results = channels.deliver(MESSAGE, FAST)
        [request] = hook.take()
    assert results["webhook"] == {"status": "sent", "attempts": 1, "format": fmt, "http_status": 200}
    assert results["email"]["status"] == "skipped"
    body = request["body"]
    assert request["path"] == "/hook"
    if fmt == "dingtalk":
        assert body["msgtype"] == "markdown" and body["markdown"]["title"] == MESSAGE.title
        assert "请尽快报送。" in body["markdown"]["text"] and "@13800000000" in body["markdown"]["text"]
        assert body["at"] == {"atMobiles": ["13800000000"], "isAtAll": False}
    elif fmt == "wecom":
        assert body["msgtype"] == "markdown" and set(body["markdown"]) == {"content"}
        content = body["markdown"]["content"]
        assert content.startswith(f"### {MESSAGE.title}") and "<@13800000000>" in content
    else:
        assert body["condition_key"] == "late:taishan:household_roster:2026-10" and body["kind"] == "late"
        assert body["title_zh"] == MESSAGE.title and body["message_zh"] == MESSAGE.text
        assert body["recipients"] == list(MESSAGE.emails)


@pytest.mark.parametrize(("status", "answer", "error"), [(500, None, "500"),
                                                        (200, {"errcode": 310000, "errmsg": "sign not match"},
                                                         "errcode 310000")])
def test_a_failing_webhook_is_retried_then_reported_without_stopping_mail(smtp, monkeypatch, status, answer, error):
    with WebhookReceiver(status=status, answer=answer) as hook:
        monkeypatch.setenv("AIRFLOW_CONN_RESETTLE_WEBHOOK", hook.conn_json("dingtalk"))
        results = channels.deliver(MESSAGE, Delivery(retries=3, backoff_seconds=0))
        assert len(hook.take()) == 4
    assert results["webhook"]["status"] == "failed" and results["webhook"]["attempts"] == 4
    assert error in results["webhook"]["error"] and len(results["webhook"]["errors"]) == 4
    assert results["email"]["status"] == "sent" and len(smtp.take()) == 1
    assert channels.delivered(results)


def test_delivered_means_someone_got_it_or_nothing_was_configured():
    assert channels.delivered({"email": {"status": "sent"}, "webhook": {"status": "failed"}})
    assert channels.delivered({"email": {"status": "skipped"}, "webhook": {"status": "skipped"}})
    assert not channels.delivered({"email": {"status": "failed"}, "webhook": {"status": "skipped"}})


def test_webhook_url_from_connection_fields(monkeypatch):
    from airflow.sdk import Connection

    def url(**fields) -> str:
        extra = fields.pop("extra", {})
        return channels.webhook_url(Connection(conn_id="x", conn_type="http", extra=json.dumps(extra), **fields))

    assert url(host="oapi.dingtalk.com", schema="https", extra={"path": "/robot/send?access_token=t"}) == \
        "https://oapi.dingtalk.com/robot/send?access_token=t"
    assert url(host="127.0.0.1", port=8080, extra={"path": "hook"}) == "http://127.0.0.1:8080/hook"
    assert url(host="https://qyapi.weixin.qq.com/", extra={"path": "/cgi-bin/webhook/send?key=k"}) == \
        "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k"


def test_an_unknown_webhook_format_is_a_failed_channel(monkeypatch, no_webhook):
    monkeypatch.delenv("AIRFLOW_CONN_SMTP_DEFAULT", raising=False)
    monkeypatch.setenv("AIRFLOW_CONN_RESETTLE_WEBHOOK", json.dumps(
        {"conn_type": "http", "host": "127.0.0.1", "port": 9, "extra": {"format": "telegram"}}))
    result = channels.deliver(MESSAGE, FAST)["webhook"]
    assert result["status"] == "failed" and "telegram" in result["error"]
