"""Nothing personal or forged leaves through an alert, a mail header, a receipt or a path, and the dashboard
command leaves no server behind: masking of separated digit runs on every channel, one-line subjects, the
Data Docs name of a very long file name, private state folders, and SIGTERM to `resettle dashboard`."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from resettle.alerts import channels, messages
from resettle.alerts.channels import Delivery, Outgoing
from resettle.domain.identifiers import mask_personal
from resettle.intake.archive import private_tree
from resettle.intake.docs import _short

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("text", "hidden"),
    [
        ("230405-19540408-9291", "19540408"),
        ("230405 1954 0408 929X", "1954 0408"),
        ("230405.19540408.9291", "19540408"),
        ("138-0013-8000", "0013"),
        ("138 0013 8000", "0013"),
        ("1380013800", "0013"),
        ("0468-3456789", "3456"),
        ("身份证号230403194403220561有误", "19440322"),
    ],
)
def test_id_and_phone_length_digit_runs_are_masked_whatever_separates_them(text, hidden):
    masked = mask_personal(text)
    assert hidden.replace(" ", "") not in masked.replace(" ", "").replace("-", "").replace(".", "")
    assert "*" in masked and messages.mask(text) == masked


@pytest.mark.parametrize("text", ["GN2017-001", "2026-10-25", "第12行", "1,286,450.32", "2026年10月25日 23:59"])
def test_dates_codes_and_amounts_are_not_masked(text):
    assert mask_personal(text) == text


def test_every_channel_sends_the_masked_one_line_form(monkeypatch):
    """The webhook (and the mail: the same `safe` message) carries no clear number and no extra line."""
    from tests.alert_receivers import SmtpReceiver, WebhookReceiver

    message = Outgoing(
        "【文件退回】兴安区文件《名单\r\nBcc: victim@example.org\n138-0013-8000.csv》",
        "第3行，填写的值：230405-19540408-9291：身份证号校验码错误",
        ("a@example.org",),
        fields={"value": "138 0013 8000"},
    )
    with WebhookReceiver() as hook, SmtpReceiver() as smtp:
        monkeypatch.setenv("AIRFLOW_CONN_RESETTLE_WEBHOOK", hook.conn_json("json"))
        monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", smtp.conn_uri())
        results = channels.deliver(message, Delivery(retries=0, backoff_seconds=0, timeout_seconds=5))
        assert {r["status"] for r in results.values()} == {"sent"}, results
        [body] = hook.take()
        [mail] = smtp.take()
    sent = str(body) + mail.subject + mail.body
    for clear in ("19540408", "0013"):
        assert clear not in sent
    assert "\n" not in mail.subject and "\r" not in mail.subject
    assert "victim@example.org" not in mail.recipients and mail.recipients == ["a@example.org"]


def test_a_long_or_multi_line_file_name_makes_a_short_data_docs_name():
    name = "兴安区居民台账" * 12 + "\n/../etc.csv"
    short = _short(name)
    assert len(short.encode()) <= 80 and "\n" not in short and "/" not in short


def test_private_tree_sets_modes_by_code_not_umask(tmp_path):
    old = os.umask(0)
    try:
        (tmp_path / "a" / "b").mkdir(parents=True)
        (tmp_path / "a" / "b" / "f").write_text("x")
    finally:
        os.umask(old)
    private_tree(tmp_path / "a")
    assert stat.S_IMODE((tmp_path / "a" / "b").stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "a" / "b" / "f").stat().st_mode) == 0o600


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except FileNotFoundError:
        return []


def test_sigterm_to_the_dashboard_command_stops_its_server_child():
    code = (
        "import os, sys; from resettle.cli.dashboard import run_child; "
        "sys.exit(run_child([sys.executable, '-c', 'import time; time.sleep(120)'], dict(os.environ)))"
    )
    parent = subprocess.Popen(
        [sys.executable, "-c", code], cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO / "plugins")}
    )
    deadline = time.monotonic() + 30
    while not _children(parent.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    [child] = _children(parent.pid)
    parent.send_signal(signal.SIGTERM)
    assert parent.wait(timeout=20) == 0
    deadline = time.monotonic() + 10
    while Path(f"/proc/{child}").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not Path(f"/proc/{child}").exists() or "Z" in Path(f"/proc/{child}/stat").read_text().split()[2]


@pytest.mark.parametrize(
    ("submissions", "code"), [({"accepted": 3, "rejected": 1}, 0), ({"accepted": 3, "failed": 1}, 1)]
)
def test_resettle_run_exits_non_zero_while_a_file_failed_on_our_side(monkeypatch, capsys, submissions, code):
    """A rejected file is the sender's business (exit 0); a failed one is ours (exit 1)."""
    from resettle import cli
    from resettle.cli import pipeline

    monkeypatch.setattr(
        pipeline, "run_period", lambda period, build, verbose, **_: {"submissions": submissions, "marts": {}}
    )
    args = cli.build_parser().parse_args(["run", "--period", "2026-10"])
    assert pipeline.cmd_run(args) == code
    assert ("failed on our side" in capsys.readouterr().err) == bool(code)
