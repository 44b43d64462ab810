"""Every mistake `resettle generate --inject-errors` plants is caught, at its row and column, and its file
is answered with a receipt; the clean files around it are accepted."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from psycopg.rows import dict_row

from resettle.airflow.pipeline import ingest_month, prepare_warehouse
from resettle.devtools.generator import generate
from resettle.intake.receipt import receipt_path
from tests.databases import fresh_database, own_folders

pytestmark = pytest.mark.integration
FIRST, MONTHS = "2026-08", 3


@dataclass(frozen=True)
class Ingested:
    url: str
    outbox: Path
    generation: dict


@pytest.fixture(scope="module")
def ingested(pg_server, tmp_path_factory) -> Iterator[Ingested]:
    """Three generated months with planted mistakes, ingested once for the module's read-only tests."""
    root = tmp_path_factory.mktemp("inject_errors")
    with fresh_database(pg_server, "t_inject") as url, pytest.MonkeyPatch.context() as mp:
        folders = own_folders(root, mp)
        mp.setenv("RESETTLE_WAREHOUSE_URL", url)
        landing = folders["landing"]
        generate(landing, FIRST, months=MONTHS, households=800, seed=11, inject_errors=True)
        prepare_warehouse(url)
        periods = sorted({p.name for p in landing.glob("*/*") if p.is_dir()})
        for period in periods:
            ingest_month(period, url)
        generation = json.loads((landing / "_generation.json").read_text(encoding="utf-8"))
        yield Ingested(url, folders["outbox"], generation)


def _submission(conn, source: str, period: str, file_name: str) -> dict:
    return conn.execute(
        "select * from ops.submission where source = %s and period = %s and file_name = %s", (source, period, file_name)
    ).fetchone()


def test_every_injected_mistake_is_reported_at_its_cell(ingested):
    errors = ingested.generation["errors"]
    assert len(errors) >= 12
    with psycopg.connect(ingested.url, row_factory=dict_row) as conn:
        for error in errors:
            sub = _submission(conn, error["source"], error["period"], Path(error["file"]).name)
            assert sub is not None, error
            assert sub["status"] == "rejected", (error["kind"], sub["status"], sub["message_zh"])
            findings = conn.execute(
                "select excel_row, column_header, message_zh from ops.finding where submission_id = %s",
                (sub["submission_id"],),
            ).fetchall()
            if error["kind"] == "required_column_missing":
                expected = (None, error["column_header"])
            else:
                expected = (error["excel_row"], error["column_header"])
            assert expected in {(f["excel_row"], f["column_header"]) for f in findings}, (error, findings)
            receipt = receipt_path(
                ingested.outbox, sub["source"], sub["period"], sub["file_name"], sub["submission_id"]
            )
            assert receipt.exists(), receipt


def test_files_without_a_planted_mistake_are_accepted_and_status_tells_who_sent_what(ingested):
    planted = {error["file"] for error in ingested.generation["errors"]}
    with psycopg.connect(ingested.url, row_factory=dict_row) as conn:
        for file in ingested.generation["files"]:
            if file["path"] in planted:
                continue
            sub = _submission(conn, file["source"], file["period"], Path(file["path"]).name)
            assert sub["status"] in ("accepted", "accepted_with_warnings"), (file, sub["message_zh"])
            assert sub["rows_valid"] == file["rows"]

    from resettle.intake.status import period_status

    with psycopg.connect(ingested.url) as conn:
        status = period_status(conn, FIRST)
    fields = {
        "source",
        "dataset",
        "period",
        "file_name",
        "sha256",
        "status",
        "received_at",
        "rows",
        "errors",
        "warnings",
        "on_time",
        "receipt",
    }
    assert all(fields <= set(row) for row in status)
    rejected = [row for row in status if row["status"] == "rejected"]
    assert rejected and all(row["receipt"] for row in rejected)
    assert {row["on_time"] for row in status if row["status"] != "missing"} <= {True, False}
    first_month_errors = {(e["source"], e["dataset"]) for e in ingested.generation["errors"] if e["period"] == FIRST}
    missing = {(row["source"], row["dataset"]) for row in status if row["status"] == "missing"}
    assert missing == first_month_errors, "a rejected dataset with no accepted file is reported as missing"
