"""Delivery to a real SMTP server and a real HTTP endpoint on loopback, configured only through
AIRFLOW_CONN_* variables: readable Chinese mail, each webhook format's body, retries, and skipped channels."""

from __future__ import annotations

import json

import pytest

from resettle.alerts import channels
from resettle.alerts.channels import Delivery, Outgoing
from tests.alert_receivers import SmtpReceiver, WebhookReceiver

FAST = Delivery(retries=2, backoff_seconds=0, timeout_seconds=5)
MESSAGE = Outgoing(
    "【逾期未报】泰山区2026年10月「逾期未回迁安置居民台账」已逾期2天",
    "泰山区的数据已逾期。\n请尽快报送。",
    ("taishan@district.example.org", "office@leading-group.example.org"),
    ("13800000000",),
    {"condition_key": "late:taishan:household_roster:2026-10", "kind": "late"},
)


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


def test_a_receipt_travels_as_a_mail_attachment_and_only_by_its_name_in_a_webhook(smtp, monkeypatch, tmp_path):
    from openpyxl import Workbook, load_workbook

    receipt = tmp_path / "outbox" / "taishan" / "2026-10" / "泰山区居民台账_回执_41.xlsx"
    receipt.parent.mkdir(parents=True)
    wb = Workbook()
    wb.active.title = "回执"
    wb.active["A1"] = "数据报送回执"
    wb.save(receipt)
    message = Outgoing(
        "【文件退回】泰山区2026年10月文件未通过校验",
        "回执文件：《泰山区居民台账_回执_41.xlsx》（邮件附件；也可在本单位的回执文件夹中查看）",
        ("taishan@district.example.org",),
        fields={"kind": "invalid", "receipt": receipt.name},
        attachments=(str(receipt), str(tmp_path / "gone.xlsx")),  # a file gone since is left out, not fatal
    )
    with WebhookReceiver() as hook:
        monkeypatch.setenv("AIRFLOW_CONN_RESETTLE_WEBHOOK", hook.conn_json("json", path="/hook"))
        results = channels.deliver(message, FAST)
        [request] = hook.take()
    assert results["email"]["status"] == "sent" and results["email"]["attached"] == [receipt.name]
    [mail] = smtp.take()
    [part] = list(mail.message.iter_attachments())
    assert part.get_filename() == receipt.name
    assert part.get_content_type() == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    (tmp_path / "got.xlsx").write_bytes(part.get_content())
    assert load_workbook(tmp_path / "got.xlsx")["回执"]["A1"].value == "数据报送回执"
    assert "《泰山区居民台账_回执_41.xlsx》" in mail.message.get_body(("plain",)).get_content()
    assert str(tmp_path) not in json.dumps(request["body"], ensure_ascii=False), "no server path in a webhook"
    assert request["body"]["receipt"] == receipt.name


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


@pytest.mark.parametrize(
    ("status", "answer", "error"),
    [(500, None, "500"), (200, {"errcode": 310000, "errmsg": "sign not match"}, "errcode 310000")],
)
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

    assert (
        url(host="oapi.dingtalk.com", schema="https", extra={"path": "/robot/send?access_token=t"})
        == "https://oapi.dingtalk.com/robot/send?access_token=t"
    )
    assert url(host="127.0.0.1", port=8080, extra={"path": "hook"}) == "http://127.0.0.1:8080/hook"
    assert (
        url(host="https://qyapi.weixin.qq.com/", extra={"path": "/cgi-bin/webhook/send?key=k"})
        == "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k"
    )


def test_an_unknown_webhook_format_is_a_failed_channel(monkeypatch, no_webhook):
    monkeypatch.delenv("AIRFLOW_CONN_SMTP_DEFAULT", raising=False)
    monkeypatch.setenv(
        "AIRFLOW_CONN_RESETTLE_WEBHOOK",
        json.dumps({"conn_type": "http", "host": "127.0.0.1", "port": 9, "extra": {"format": "telegram"}}),
    )
    result = channels.deliver(MESSAGE, FAST)["webhook"]
    assert result["status"] == "failed" and "telegram" in result["error"]


SECRET = "SECb6a0f3d2c4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9"


@pytest.mark.parametrize("where", ["password", "extra"])
def test_a_signed_dingtalk_robot_accepts_the_signed_request(where, monkeypatch, no_webhook):
    monkeypatch.delenv("AIRFLOW_CONN_SMTP_DEFAULT", raising=False)
    with WebhookReceiver(dingtalk_secret=SECRET) as hook:
        more = {"password": SECRET} if where == "password" else {"extra": {"secret": SECRET}}
        monkeypatch.setenv("AIRFLOW_CONN_RESETTLE_WEBHOOK", hook.conn_json("dingtalk", **more))
        result = channels.deliver(MESSAGE, FAST)["webhook"]
        [request] = hook.take()
    assert result == {"status": "sent", "attempts": 1, "format": "dingtalk", "http_status": 200, "signed": True}
    path, _, query = request["path"].partition("?")
    assert path == "/robot/send" and query.startswith("access_token=test-token&timestamp=")


def test_a_signed_dingtalk_robot_refuses_a_wrong_secret_and_an_unsigned_request(monkeypatch, no_webhook):
    monkeypatch.delenv("AIRFLOW_CONN_SMTP_DEFAULT", raising=False)
    with WebhookReceiver(dingtalk_secret=SECRET) as hook:
        for password in ("SECwrong", None):
            monkeypatch.setenv("AIRFLOW_CONN_RESETTLE_WEBHOOK", hook.conn_json("dingtalk", password=password))
            result = channels.deliver(MESSAGE, Delivery(retries=0, backoff_seconds=0))["webhook"]
            assert result["status"] == "failed" and "310000" in result["error"]


def test_dingtalk_signature_matches_the_documented_algorithm():
    """The documented algorithm, computed independently here (and by the receiver the robot stands for)."""
    import base64
    import hashlib
    import hmac as hmac_

    from tests.alert_receivers import dingtalk_sign_ok

    timestamp, sign = channels.sign_dingtalk("this is secret", 1577836800000)
    expected = base64.b64encode(
        hmac_.new(b"this is secret", b"1577836800000\nthis is secret", hashlib.sha256).digest()
    ).decode()
    assert timestamp == 1577836800000 and sign == expected.replace("+", "%2B").replace("/", "%2F").replace("=", "%3D")
    assert dingtalk_sign_ok(
        f"/robot/send?access_token=t&timestamp={timestamp}&sign={sign}", "this is secret", now_ms=timestamp + 1000
    )
    assert not dingtalk_sign_ok(
        f"/robot/send?access_token=t&timestamp={timestamp}&sign={sign}",
        "this is secret",
        now_ms=timestamp + 2 * 3600 * 1000,
    )


def test_webhook_bodies_follow_the_documented_formats():
    long = Outgoing("【逾期未报】标题", "很长的说明。" * 2000, (), ("zhangsan",))
    wecom = channels.payload("wecom", long)
    assert set(wecom) == {"msgtype", "markdown"} and wecom["msgtype"] == "markdown"
    content = wecom["markdown"]["content"]
    assert len(content.encode("utf-8")) <= channels.WECOM_MAX_BYTES and content.endswith("<@zhangsan>")
    ding = channels.payload("dingtalk", MESSAGE)
    assert set(ding) == {"msgtype", "markdown", "at"} and set(ding["markdown"]) == {"title", "text"}
    assert ding["at"]["isAtAll"] is False and all(f"@{m}" in ding["markdown"]["text"] for m in ding["at"]["atMobiles"])
    unsigned = channels.payload("dingtalk", Outgoing("t", "x", ()))
    assert "at" not in unsigned
