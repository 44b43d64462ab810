"""Deliver one alert by email (Airflow connection `smtp_default`) and by webhook (`resettle_webhook`).

Channels are configured as Airflow connections so the same settings serve the DAGs, the CLI and Airflow's
own notifications, and so secrets live wherever Airflow keeps them (AIRFLOW_CONN_* variables in the embedded
setup, a secrets backend in production). `airflow.sdk.Connection.get` resolves AIRFLOW_CONN_<ID> (URI or
JSON) without a running Airflow or a metadata database, inside and outside tasks.

A delivery never raises: each channel is tried `retries + 1` times with a doubling backoff, and its outcome
(`sent`, `failed` with the last error, or `skipped` when the connection is not configured) is returned per
channel for the alert log. One channel failing never stops the other.

Connection settings:
- `smtp_default`: host, port, login/password (optional); extra `from_email`, `disable_ssl`, `disable_tls`
  and `timeout`, with the meanings the Airflow SMTP provider gives them (SSL unless disabled, else STARTTLS
  unless disabled).
- `resettle_webhook`: host, port, schema (`http`/`https`); extra `path` (may carry a query string such as
  DingTalk's `access_token` or WeCom's `key`) and `format`: `dingtalk`, `wecom` or `json`. A DingTalk robot
  with 加签 (the default security setting of a new robot) takes its secret (`SEC…`) from the connection's
  password or extra `secret`; each request is then signed (`sign_dingtalk`).

Bodies follow the robots' documented formats: DingTalk `{"msgtype": "markdown", "markdown": {"title", "text"},
"at": {"atMobiles", "isAtAll"}}` (a mobile is only highlighted when `@<mobile>` also appears in the text);
WeCom `{"msgtype": "markdown", "markdown": {"content"}}`, content at most 4096 bytes of UTF-8, people
mentioned as `<@userid>` inside the content. Both answer HTTP 200 with `errcode` 0 when they accept.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import os
import smtplib
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from resettle.domain.identifiers import mask_personal, single_line

log = logging.getLogger("resettle.alerts")

SMTP_CONN_ID = "smtp_default"
WEBHOOK_CONN_ID = "resettle_webhook"
FORMATS = ("dingtalk", "wecom", "json")
WECOM_MAX_BYTES = 4096
"""WeCom rejects a markdown message whose content is longer than this many bytes of UTF-8."""
SENDER_NAME = "回迁安置数据平台"
DEFAULT_FROM = "resettle-alerts@example.org"


@dataclass(frozen=True)
class Delivery:
    """How hard to try: attempts = retries + 1, waiting backoff, 2×backoff, … seconds in between."""

    retries: int = 2
    backoff_seconds: float = 2.0
    timeout_seconds: float = 10.0

    @classmethod
    def from_env(cls) -> Delivery:
        base = cls()
        return cls(
            retries=int(os.environ.get("RESETTLE_ALERT_RETRIES", base.retries)),
            backoff_seconds=float(os.environ.get("RESETTLE_ALERT_BACKOFF_SECONDS", base.backoff_seconds)),
            timeout_seconds=float(os.environ.get("RESETTLE_ALERT_TIMEOUT_SECONDS", base.timeout_seconds)),
        )


@dataclass(frozen=True)
class Outgoing:
    """One alert as the channels see it."""

    title: str
    text: str
    emails: tuple[str, ...]
    mentions: tuple[str, ...] = ()
    fields: dict = field(default_factory=dict)
    attachments: tuple[str, ...] = ()
    """Paths of files the mail carries (a receipt workbook); webhooks never see them."""


MAX_ATTACHMENT_BYTES = 10 << 20
"""A larger file is not attached (mail servers refuse big messages); the message still names it."""
XLSX_TYPE = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def connection(conn_id: str):
    """The Airflow connection, or None when it is not configured anywhere Airflow looks."""
    from airflow.sdk import Connection
    from airflow.sdk.exceptions import AirflowNotFoundException

    try:
        return Connection.get(conn_id)
    except AirflowNotFoundException:
        return None


def _flag(extra: dict, name: str) -> bool:
    value = extra.get(name, False)
    return value if isinstance(value, bool) else str(value).strip().lower() in ("1", "true", "yes", "on")


def send_email(conn, message: Outgoing, timeout: float) -> dict:
    """Send one UTF-8 message to all recipients; the Chinese subject is RFC 2047-encoded by `email`."""
    extra = conn.extra_dejson
    sender = extra.get("from_email") or (conn.login if conn.login and "@" in conn.login else DEFAULT_FROM)
    mail = EmailMessage()
    mail["Subject"] = single_line(message.title)
    user, _, domain = sender.partition("@")
    mail["From"] = Address(SENDER_NAME, user, domain)
    mail["To"] = ", ".join(message.emails)
    mail["Date"] = formatdate(localtime=True)
    mail["Message-ID"] = make_msgid(domain=domain or None)
    mail.set_content(message.text, charset="utf-8")
    attached = _attach(mail, message.attachments)
    timeout = float(extra.get("timeout", timeout))
    host, port = conn.host or "localhost", conn.port
    if _flag(extra, "disable_ssl"):
        client = smtplib.SMTP(host, port or 25, timeout=timeout)
        if not _flag(extra, "disable_tls"):
            client.starttls(context=ssl.create_default_context())
    else:
        client = smtplib.SMTP_SSL(host, port or 465, timeout=timeout, context=ssl.create_default_context())
    with client:
        if conn.login and conn.password:
            client.login(conn.login, conn.password)
        refused = client.send_message(mail, from_addr=sender, to_addrs=list(message.emails))
    delivered = [a for a in message.emails if a not in refused]
    if not delivered:
        raise smtplib.SMTPRecipientsRefused(refused)
    return {
        "to": delivered,
        **({"attached": attached} if attached else {}),
        **({"refused": sorted(refused)} if refused else {}),
    }


def _attach(mail: EmailMessage, paths: tuple[str, ...]) -> list[str]:
    """Attach each file that exists and is not too big (its Chinese name RFC 2231-encoded); the names."""
    import os.path

    attached = []
    for path in paths:
        try:
            if os.path.getsize(path) > MAX_ATTACHMENT_BYTES:
                log.warning("%s is too big to attach", path)
                continue
            with open(path, "rb") as fh:
                data = fh.read()
        except OSError as err:
            log.warning("cannot attach %s: %s", path, err)
            continue
        name = os.path.basename(path)
        maintype, subtype = XLSX_TYPE if name.lower().endswith(".xlsx") else ("application", "octet-stream")
        mail.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
        attached.append(name)
    return attached


def payload(fmt: str, message: Outgoing) -> dict:
    """The request body each webhook format expects."""
    at = "".join(f" @{m}" for m in message.mentions)
    markdown = f"### {message.title}\n\n" + message.text.replace("\n", "\n\n")
    if fmt == "dingtalk":
        text = markdown + (f"\n\n{at}" if at else "")
        body: dict = {"msgtype": "markdown", "markdown": {"title": message.title, "text": text}}
        if message.mentions:
            body["at"] = {"atMobiles": list(message.mentions), "isAtAll": False}
        return body
    if fmt == "wecom":
        mentions = "".join(f"<@{m}>" for m in message.mentions)
        tail = f"\n\n{mentions}" if mentions else ""
        return {
            "msgtype": "markdown",
            "markdown": {"content": _fit(markdown, WECOM_MAX_BYTES - len(tail.encode())) + tail},
        }
    if fmt == "json":
        return {
            **message.fields,
            "title_zh": message.title,
            "message_zh": message.text,
            "recipients": list(message.emails),
            "mentions": list(message.mentions),
        }
    raise ValueError(f"unknown webhook format {fmt!r}; expected one of {', '.join(FORMATS)}")


def _fit(text: str, limit: int) -> str:
    """The text cut (at a character boundary, marked with …) so its UTF-8 form is at most `limit` bytes."""
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[: limit - len("…".encode())].decode("utf-8", "ignore") + "…"


def sign_dingtalk(secret: str, timestamp_ms: int | None = None) -> tuple[int, str]:
    """DingTalk's 加签: the timestamp in milliseconds and the URL-encoded base64 HMAC-SHA256, keyed with the
    secret, of `"<timestamp>\\n<secret>"`. The robot refuses a timestamp more than an hour away from its clock."""
    timestamp_ms = int(time.time() * 1000) if timestamp_ms is None else timestamp_ms
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return timestamp_ms, urllib.parse.quote_plus(base64.b64encode(digest).decode("ascii"))


def webhook_secret(conn) -> str | None:
    """The signing secret of a DingTalk robot: the connection's password, else its extra `secret`."""
    return conn.password or conn.extra_dejson.get("secret") or None


def webhook_url(conn, timestamp_ms: int | None = None) -> str:
    """The URL to POST to; for a DingTalk robot with a secret, signed afresh (`&timestamp=…&sign=…`)."""
    extra = conn.extra_dejson
    host = conn.host or ""
    if "://" in host:
        base = host.rstrip("/")
    else:
        base = f"{conn.schema or 'http'}://{host}" + (f":{conn.port}" if conn.port else "")
    path = extra.get("path") or ""
    url = base + (path if not path or path.startswith(("/", "?")) else "/" + path)
    secret = webhook_secret(conn)
    if extra.get("format", "json") == "dingtalk" and secret:
        timestamp, sign = sign_dingtalk(secret, timestamp_ms)
        url += ("&" if "?" in url else "?") + f"timestamp={timestamp}&sign={sign}"
    return url


def post_webhook(conn, message: Outgoing, timeout: float) -> dict:
    """POST the alert as JSON; a non-2xx answer, or a DingTalk/WeCom `errcode` other than 0, is a failure."""
    fmt = conn.extra_dejson.get("format", "json")
    body = json.dumps(payload(fmt, message), ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(
        webhook_url(conn), data=body, method="POST", headers={"Content-Type": "application/json; charset=utf-8"}
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        status, text = response.status, response.read(4096).decode("utf-8", "replace")
    try:
        answer = json.loads(text) if text.strip() else {}
    except ValueError:
        answer = {}
    if isinstance(answer, dict) and answer.get("errcode") not in (None, 0):
        raise RuntimeError(f"webhook answered errcode {answer.get('errcode')}: {answer.get('errmsg')}")
    signed = fmt == "dingtalk" and bool(webhook_secret(conn))
    return {"format": fmt, "http_status": status, **({"signed": True} if signed else {})}


def _attempt(name: str, send: Callable[[], dict], delivery: Delivery) -> dict:
    errors = []
    for attempt in range(1, delivery.retries + 2):
        try:
            return {"status": "sent", "attempts": attempt, **send()}
        except Exception as err:  # a channel must never stop the check or the other channel
            errors.append(f"{type(err).__name__}: {err}"[:500])
            log.warning("alert channel %s failed (attempt %d of %d): %s", name, attempt, delivery.retries + 1, err)
            if attempt <= delivery.retries and delivery.backoff_seconds > 0:
                time.sleep(delivery.backoff_seconds * 2 ** (attempt - 1))
    return {"status": "failed", "attempts": len(errors), "error": errors[-1], "errors": errors}


def _lookup(conn_id: str):
    try:
        return connection(conn_id), None
    except Exception as err:  # a broken secrets backend is a failed channel, not a failed check
        log.warning("cannot read connection %s: %s", conn_id, err)
        return None, f"{type(err).__name__}: {err}"[:500]


def safe(message: Outgoing) -> Outgoing:
    """The message as every channel sends it: ID- and phone-length digit runs masked in the title, the text
    and the facts (whatever separates their digits), and the title on one line (no control characters), so
    neither a value nor a file name puts personal data or a header of its own into a mail or a group chat.
    The mentions (the group chat's @ of duty officers' phones) are addresses, not content."""

    def clean(value):
        if isinstance(value, str):
            return mask_personal(value)
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [clean(v) for v in value]
        return value

    return Outgoing(
        single_line(mask_personal(message.title)),
        mask_personal(message.text),
        message.emails,
        message.mentions,
        clean(dict(message.fields)),
        message.attachments,
    )


def deliver(message: Outgoing, delivery: Delivery | None = None) -> dict[str, dict]:
    """Send on every channel (the `safe` form of the message); per channel `{"status": "sent"|"failed"|...}`."""
    delivery = delivery or Delivery()
    message = safe(message)
    results = {}
    for name, conn_id, send in (("email", SMTP_CONN_ID, send_email), ("webhook", WEBHOOK_CONN_ID, post_webhook)):
        conn, error = _lookup(conn_id)
        if error:
            results[name] = {"status": "failed", "attempts": 0, "error": error}
        elif conn is None:
            results[name] = {"status": "skipped", "reason": f"connection {conn_id} is not configured"}
        elif name == "email" and not message.emails:
            results[name] = {"status": "skipped", "reason": "no recipients"}
        else:
            results[name] = _attempt(name, lambda c=conn, s=send: s(c, message, delivery.timeout_seconds), delivery)
    return results


def delivered(results: dict[str, dict]) -> bool:
    """True when a channel sent it, or none was configured; a failed-only alert is tried again next check."""
    statuses = {r.get("status") for r in results.values()}
    return "sent" in statuses or "failed" not in statuses


def channel_tally(alerts: list[dict]) -> dict[str, dict[str, int]]:
    """Per channel, how many alerts it sent, failed or skipped: `{"email": {"sent": 3, "failed": 1}, ...}`."""
    tally: dict[str, dict[str, int]] = {}
    for alert in alerts:
        for name, result in (alert.get("channel_results") or {}).items():
            status = (result or {}).get("status", "unknown")
            tally.setdefault(name, {})[status] = tally.setdefault(name, {}).get(status, 0) + 1
    return tally
