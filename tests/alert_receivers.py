"""Real receivers for the alert channels in tests: an SMTP server (aiosmtpd) and an HTTP webhook endpoint,
both on 127.0.0.1, and the AIRFLOW_CONN_* values that point the channels at them."""

from __future__ import annotations

import base64
import email
import email.policy
import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, quote, urlsplit


@dataclass
class Mail:
    sender: str
    recipients: list[str]
    raw: bytes

    @property
    def message(self) -> email.message.EmailMessage:
        return email.message_from_bytes(self.raw, policy=email.policy.default)

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def body(self) -> str:
        return self.message.get_content()

    @property
    def raw_subject(self) -> str:
        """The Subject header as it travelled (RFC 2047 encoded words for Chinese)."""
        head = self.raw.split(b"\r\n\r\n", 1)[0].decode("ascii")
        lines = head.split("\r\n")
        start = next(i for i, line in enumerate(lines) if line.lower().startswith("subject:"))
        out = [lines[start]]
        for line in lines[start + 1 :]:
            if not line[:1].isspace():
                break
            out.append(line)
        return "\n".join(out)


class SmtpReceiver:
    """aiosmtpd on a free loopback port, keeping every message it accepts."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        from resettle.domain.net import LOOPBACK, free_port

        self.mails: list[Mail] = []
        self.port = free_port()
        self.controller = Controller(self, hostname=LOOPBACK, port=self.port)

    async def handle_DATA(self, server, session, envelope):
        self.mails.append(Mail(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        return "250 OK"

    def __enter__(self) -> SmtpReceiver:
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()

    def take(self) -> list[Mail]:
        taken, self.mails = self.mails, []
        return taken

    def conn_uri(self) -> str:
        sender = quote("alerts@platform.example.org")
        return f"smtp://127.0.0.1:{self.port}?disable_ssl=true&disable_tls=true&from_email={sender}"


def dingtalk_sign_ok(path: str, secret: str, now_ms: int | None = None) -> bool:
    """What a DingTalk robot with 加签 checks, written from its documentation: `timestamp` (ms) within an
    hour of now, and `sign` = base64(HMAC-SHA256(key=secret, msg="<timestamp>\\n<secret>"))."""
    query = parse_qs(urlsplit(path).query)
    if len(query.get("timestamp", [])) != 1 or len(query.get("sign", [])) != 1:
        return False
    timestamp = query["timestamp"][0]
    now_ms = int(time.time() * 1000) if now_ms is None else now_ms
    if not timestamp.isdigit() or abs(now_ms - int(timestamp)) > 3600 * 1000:
        return False
    expected = base64.b64encode(
        hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    ).decode()
    return hmac.compare_digest(query["sign"][0], expected)


class WebhookReceiver:
    """A threaded HTTP server answering `status` (200 by default) to every POST and keeping the bodies.

    With `dingtalk_secret` it behaves like a DingTalk robot with 加签: a request without a valid signature
    is answered with errcode 310000 ("sign not match"), as the real robot does.
    """

    def __init__(self, status: int = 200, answer: dict | None = None, dingtalk_secret: str | None = None) -> None:
        self.status, self.answer = status, answer or {"errcode": 0, "errmsg": "ok"}
        self.requests: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                receiver.requests.append(
                    {
                        "path": self.path,
                        "content_type": self.headers.get("Content-Type"),
                        "body": json.loads(self.rfile.read(length).decode("utf-8")),
                    }
                )
                answer = receiver.answer
                if dingtalk_secret is not None and not dingtalk_sign_ok(self.path, dingtalk_secret):
                    answer = {"errcode": 310000, "errmsg": "sign not match"}
                data = json.dumps(answer).encode()
                self.send_response(receiver.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> WebhookReceiver:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def take(self) -> list[dict]:
        taken, self.requests = self.requests, []
        return taken

    def conn_json(self, fmt: str = "dingtalk", path: str = "/robot/send?access_token=test-token", **more) -> str:
        return webhook_conn_json(self.port, fmt, path, **more)


def webhook_conn_json(
    port: int,
    fmt: str = "dingtalk",
    path: str = "/robot/send?access_token=test-token",
    password: str | None = None,
    extra: dict | None = None,
) -> str:
    conn = {
        "conn_type": "http",
        "host": "127.0.0.1",
        "port": port,
        "schema": "http",
        "extra": {"path": path, "format": fmt, **(extra or {})},
    }
    if password:
        conn["password"] = password
    return json.dumps(conn)
