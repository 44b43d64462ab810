"""A local mail catcher for the demo: an SMTP server on a free loopback port that keeps every message.

The alert channels send to it exactly as they would to a mail server (the `smtp_default` connection points
here), so the demo can show what each receiver got: subject, recipients, attachments.
"""

from __future__ import annotations

import email
import email.policy
from dataclasses import dataclass


@dataclass(frozen=True)
class Caught:
    recipients: tuple[str, ...]
    subject: str
    attachments: tuple[str, ...]


class MailCatcher:
    """aiosmtpd (a dev dependency) on 127.0.0.1; `available()` says whether it can run here."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        from resettle.domain.net import LOOPBACK, free_port

        self.port = free_port()
        self.inbox: list[Caught] = []
        self.controller = Controller(self, hostname=LOOPBACK, port=self.port)

    @staticmethod
    def available() -> bool:
        import importlib.util

        return importlib.util.find_spec("aiosmtpd") is not None

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        names = tuple(part.get_filename() or "(unnamed)" for part in message.iter_attachments())
        self.inbox.append(Caught(tuple(envelope.rcpt_tos), str(message["Subject"]), names))
        return "250 OK"

    def __enter__(self) -> MailCatcher:
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()

    def conn_uri(self) -> str:
        """The `smtp_default` connection (AIRFLOW_CONN_SMTP_DEFAULT) that delivers here."""
        return f"smtp://127.0.0.1:{self.port}?disable_ssl=true&disable_tls=true"


def inbox_lines(inbox: list[Caught]) -> list[str]:
    """The inbox as the demo prints it: one line per message, recipients and attachments under it."""
    lines = []
    for i, mail in enumerate(inbox, 1):
        lines.append(f"{i:3d}. {mail.subject}")
        lines.append(f"     to: {', '.join(mail.recipients)}")
        if mail.attachments:
            lines.append(f"     attached: {', '.join(mail.attachments)}")
    return lines
