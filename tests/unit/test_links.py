"""Links in alerts and the bulletin: the dashboard at RESETTLE_BASE_URL, Airflow's log links at
RESETTLE_AIRFLOW_URL, and never a loopback address once the installation says where users reach it."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pandas as pd
import pytest

from resettle.airflow import callbacks, embedded
from resettle.alerts import engine
from resettle.alerts.channels import Delivery
from resettle.alerts.conditions import Condition
from resettle.alerts.contacts import load
from resettle.domain import links
from resettle.domain.vocabulary import alert_kinds
from resettle.reporting import bulletin
from tests.airflow_fakes import task_instance

APP = Path(bulletin.__file__).parent / "dashboard" / "app.py"
LOG = "http://127.0.0.1:8080/dags/ingest_submissions/runs/manual__1/tasks/ingest_file?try_number=2"


@pytest.fixture
def unset(monkeypatch):
    monkeypatch.delenv("RESETTLE_BASE_URL", raising=False)
    monkeypatch.delenv("RESETTLE_AIRFLOW_URL", raising=False)
    return monkeypatch


def _failed(log_url: str = LOG):
    ti = task_instance("ingest_submissions", "ingest_file", run_id="manual__1", try_number=2, log_url=log_url)
    return callbacks.failure_condition({"ti": ti, "exception": RuntimeError("boom")})


def test_without_any_address_the_embedded_setup_keeps_airflows_own_link(unset):
    assert links.dashboard("quality") is None
    assert LOG in _failed().message_zh


def test_a_failure_alert_links_the_log_at_the_configured_airflow_address(unset):
    unset.setenv("RESETTLE_AIRFLOW_URL", "https://airflow.resettle.example.org/")
    text = _failed().message_zh
    assert "日志：https://airflow.resettle.example.org/dags/ingest_submissions/runs/manual__1/tasks/ingest_file" in text
    assert "try_number=2" in text
    assert "127.0.0.1" not in text and "localhost" not in text


@pytest.mark.parametrize("local", ["127.0.0.1:8080", "localhost:8080"])
def test_with_only_the_base_url_a_failure_alert_carries_no_loopback_link(unset, local):
    unset.setenv("RESETTLE_BASE_URL", "https://resettle.example.org")
    text = _failed(f"http://{local}/dags/x/runs/y/tasks/z").message_zh
    assert "日志：" not in text and local not in text
    assert "Triage" in text, "the engineer is still told where to look"


def test_a_link_elsewhere_is_left_as_airflow_made_it(unset):
    unset.setenv("RESETTLE_BASE_URL", "https://resettle.example.org")
    assert links.airflow("https://airflow.example.org/dags/x") == "https://airflow.example.org/dags/x"


def test_the_embedded_airflow_takes_the_configured_address_for_its_links(unset, tmp_path):
    unset.setenv("RESETTLE_HOME", str(tmp_path))
    assert (
        embedded.environment("postgresql://x@127.0.0.1/db", 8090)["AIRFLOW__API__BASE_URL"] == "http://127.0.0.1:8090"
    )
    unset.setenv("RESETTLE_AIRFLOW_URL", "https://airflow.resettle.example.org")
    env = embedded.environment("postgresql://x@127.0.0.1/db", 8090)
    assert env["AIRFLOW__API__BASE_URL"] == "https://airflow.resettle.example.org"


def test_a_base_url_that_is_not_an_address_is_refused_by_name(unset):
    unset.setenv("RESETTLE_BASE_URL", "resettle.example.org")
    with pytest.raises(ValueError, match="RESETTLE_BASE_URL"):
        links.dashboard()


def test_alerts_to_people_link_the_dashboard_page_that_answers_them(unset):
    unset.setenv("RESETTLE_BASE_URL", "https://resettle.example.org/看板/")
    condition = Condition("late:taishan:household_roster:2026-10", "late", "标题", "内容", source="taishan")
    sent = engine._send(None, condition, dt.datetime.now(dt.UTC), load(), Delivery(), dry_run=True)
    assert sent["message_zh"].endswith("\n在线查看：https://resettle.example.org/看板/quality")
    unset.delenv("RESETTLE_BASE_URL")
    sent = engine._send(None, condition, dt.datetime.now(dt.UTC), load(), Delivery(), dry_run=True)
    assert "在线查看" not in sent["message_zh"]


def test_every_linked_page_is_a_page_of_the_dashboard():
    paths = set(re.findall(r'url_path="([a-z_]+)"', APP.read_text(encoding="utf-8")))
    pages = {kind: k.page for kind, k in alert_kinds().items() if k.page}
    assert set(pages.values()) <= paths
    assert "pipeline" not in pages, "a failure alert links to the task log, not to the dashboard"


def test_the_bulletin_names_the_dashboard_when_an_address_is_configured(unset):
    empty = pd.DataFrame()
    page = bulletin.Bulletin("2026-10", empty, empty, None, empty, empty)
    assert "在线看板" not in bulletin.render_html(page)
    unset.setenv("RESETTLE_BASE_URL", "https://resettle.example.org/")
    assert '在线看板 <a href="https://resettle.example.org/">' in bulletin.render_html(page)
