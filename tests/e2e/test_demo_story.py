"""The month `make demo` plays, through the real intake, alert engine and a real SMTP exchange with the demo's
mail catcher: a file rejected with its receipt, its correction accepted, the late district alerted while
its files are missing, and the inbox the demo prints."""

from __future__ import annotations

import datetime as dt

import psycopg
import pytest

from resettle.airflow.alert_tasks import run_check
from resettle.airflow.pipeline import ingest_month, prepare_warehouse
from resettle.devtools.generator import generate
from resettle.devtools.generator.story import Story, deliver_later
from resettle.devtools.mailcatcher import MailCatcher, inbox_lines
from resettle.domain.config import settings
from resettle.intake.receipt import receipt_path

pytestmark = pytest.mark.integration
PERIOD = "2026-10"
NOW = dt.datetime(2026, 11, 3, 9, 0, tzinfo=dt.UTC)


def _ingest(url: str) -> None:
    ingest_month(PERIOD, url)


def _files(url: str, source: str) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(
            "select submission_id, dataset, file_name, status, received_at from ops.submission"
            " where source = %s and period = %s order by received_at, submission_id",
            (source, PERIOD),
        ).fetchall()


def test_the_demo_month_rejects_a_file_accepts_its_correction_and_mails_the_late_district(
    resettle_env, warehouse_url, monkeypatch, tmp_path
):
    monkeypatch.setenv("RESETTLE_WAREHOUSE_URL", warehouse_url)
    monkeypatch.setenv("RESETTLE_RECEIVED_CLOCK", "mtime")
    monkeypatch.setenv("RESETTLE_ALERT_RETRIES", "0")
    landing, later = resettle_env["landing"], tmp_path / "later"
    story = generate(landing, PERIOD, months=1, seed=5, households=250, demo=Story(later=later, now=NOW)).story
    prepare_warehouse(warehouse_url)

    with MailCatcher() as catcher:
        monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", catcher.conn_uri())
        _ingest(warehouse_url)
        run_check(warehouse_url, kinds={"invalid"}, period=PERIOD)  # what the ingestion DAG sends at once
        (rejected,) = [f for f in _files(warehouse_url, "taishan") if f[3] == "rejected"]
        assert rejected[2] == story.rejected.name
        receipt = receipt_path(settings().outbox, "taishan", PERIOD, rejected[2], rejected[0])
        assert receipt.exists(), "the rejected file's receipt is where the demo says"
        assert _files(warehouse_url, "xingan") == [], "the late district has sent nothing yet"

        assert len(deliver_later(later, landing)) == 4
        _ingest(warehouse_url)
        roster = [f for f in _files(warehouse_url, "taishan") if f[1] == "household_roster"]
        assert [(f[2], f[3]) for f in roster] == [
            (story.rejected.name, "rejected"),
            (story.corrected.name, "accepted"),
        ]
        late = _files(warehouse_url, "xingan")
        assert {f[3] for f in late} <= {"accepted", "accepted_with_warnings"} and len(late) == 3
        assert all(f[4] > story.due_at for f in late)

        summary = run_check(warehouse_url, as_of=story.alert_moment)
        late_keys = sorted(k for k in summary["keys"] if k.startswith("late:"))
        assert late_keys == [
            f"late:xingan:{d}:{PERIOD}" for d in ("household_roster", "monthly_progress", "project_ledger")
        ]
        assert not summary["failed_channels"]
        inbox = list(catcher.inbox)

    rejections = [m for m in inbox if m.subject.startswith("【文件退回】")]
    assert len(rejections) == 1 and rejections[0].recipients == ("taishan@district.example.org",)
    assert story.rejected.name in rejections[0].subject
    lates = [m for m in inbox if "xingan@district.example.org" in m.recipients]
    assert len(lates) == 3 and all("office@" in " ".join(m.recipients) for m in lates)
    printed = "\n".join(inbox_lines(inbox))
    assert "to: taishan@district.example.org" in printed and rejections[0].subject in printed


def test_a_long_build_says_which_dbt_node_it_is_at(warehouse_url):
    from resettle.cli.pipeline import _progress

    lines: list[str] = []
    with (
        psycopg.connect(warehouse_url, autocommit=True) as busy,
        _progress(warehouse_url, lines.append, PERIOD, every=0.6, poll=0.1),
    ):
        busy.execute('/* {"app": "dbt", "node_id": "model.resettle.project_joint_review"} */ select pg_sleep(1.5)')
    assert lines and all(line.startswith(f"{PERIOD}: still building (") for line in lines)
    assert any(line.endswith("; dbt nodes so far: 1, latest project_joint_review") for line in lines), lines


def test_resettle_demo_tells_the_story_and_ends_with_the_three_things_to_open(warehouse_url, tmp_path):
    """The command itself, small (one month, few households), as a new user runs it."""
    import os
    import re
    import subprocess
    import sys
    from pathlib import Path

    env = {k: v for k, v in os.environ.items() if not k.startswith(("RESETTLE_", "AIRFLOW"))}
    env.update({f"RESETTLE_{name.upper()}": str(tmp_path / name) for name in ("home", "landing", "outbox", "archive")})
    env.update({"RESETTLE_WAREHOUSE_URL": warehouse_url, "RESETTLE_ALERT_RETRIES": "0"})
    run = subprocess.run(
        [sys.executable, "-m", "resettle.cli", "demo", "--months", "1", "--households", "200"],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    out = run.stdout
    assert run.returncode == 0, out[-3000:] + run.stderr[-3000:]
    assert re.search(r"\] \d{4}-\d{2}: still building \(\d+ s\)|marts built in", out)
    assert "rejected 泰山区逾期未回迁安置居民台账" in out
    inbox = out.split("mail catcher inbox (", 1)[1].split("\n\n", 1)[0]
    assert "【文件退回】泰山区" in inbox and "to: taishan@district.example.org" in inbox
    assert (
        "【逾期未报】兴安区" in inbox and "to: xingan@district.example.org, office@leading-group.example.org" in inbox
    )
    tail = out.split("open these three:", 1)[1]
    assert "http://127.0.0.1:8501/" in tail and "log in as district_taishan" in tail and "log in as leader" in tail
    bulletin = Path(re.search(r"2\. the bulletin: (\S+)", tail)[1])
    receipt = Path(re.search(r"3\. the rejected file's receipt: (\S+)", tail)[1])
    assert bulletin.is_file() and bulletin.suffix == ".html"
    assert receipt.is_file() and receipt.parent == tmp_path / "outbox" / "taishan" / receipt.parent.name
