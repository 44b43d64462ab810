"""A file dropped outside `<source>/<YYYY-MM>/` through the pipeline's own steps: registered and answered once,
and read as soon as the clerk moves it where the receipt says (its earlier answer is not taken for the same
file already received)."""

from __future__ import annotations

import shutil

import psycopg
import pytest
from openpyxl import load_workbook

from resettle.airflow import pipeline
from resettle.intake.receipt import RECEIPT_SHEET, receipt_path
from resettle.warehouse.schema import bootstrap
from tests.hostile.build import PERIOD, TAX

pytestmark = pytest.mark.integration


def _ingest(url: str) -> list[dict]:
    return pipeline.ingest_month(PERIOD, url)


def test_a_file_without_a_month_is_answered_once_and_read_once_moved_where_it_belongs(
    warehouse_url, resettle_env, monkeypatch
):
    monkeypatch.setenv("RESETTLE_RECEIVED_CLOCK", "first_seen")
    monkeypatch.setattr("resettle.intake.process.last_due_period", lambda: PERIOD)
    with psycopg.connect(warehouse_url) as conn:
        bootstrap(conn)
    landing = resettle_env["landing"]
    dropped = landing / "tax" / "新建文件夹" / "市税务局企业涉税状态.csv"  # no month in its name, folder or title
    dropped.parent.mkdir(parents=True)
    shutil.copyfile(TAX, dropped)

    [task] = pipeline.find_files(PERIOD)
    assert task["folder"] == "新建文件夹" and task["period"] is None and "placed" not in task
    [answered] = _ingest(warehouse_url)
    assert (answered["status"], answered["period"], answered["new"]) == ("rejected", PERIOD, True)
    assert answered["file_name"] == "新建文件夹/市税务局企业涉税状态.csv"
    assert "请放入 tax/<YYYY-MM>/" in answered["message_zh"] and "tax/2026-10/" in answered["message_zh"]
    receipt = receipt_path(resettle_env["outbox"], "tax", PERIOD, answered["file_name"], answered["submission_id"])
    sheet = load_workbook(receipt, read_only=True)[RECEIPT_SHEET]
    assert any("请放入 tax/<YYYY-MM>/" in str(v) for row in sheet.iter_rows(values_only=True) for v in row)

    [again] = _ingest(warehouse_url)
    assert (again["submission_id"], again["new"]) == (answered["submission_id"], False), "answered once"

    moved = landing / "tax" / PERIOD / "市税务局企业涉税状态202610.csv"
    moved.parent.mkdir()
    shutil.move(dropped, moved)
    [read] = _ingest(warehouse_url)
    assert (read["status"], read["new"]) == ("accepted", True), "the same bytes, now in place, are read"
    with psycopg.connect(warehouse_url) as conn:
        rows = conn.execute("select count(*) from raw.tax_status where submission_id = %s", (read["submission_id"],))
        assert rows.fetchone()[0] == 6
