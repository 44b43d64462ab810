"""Guards of the intake that need time, a failure or a second file: the settle period, the received clock,
a failure of ours (failed, retried, never displacing a newer file), resource limits, the unique raw key and
the clean-up of a crashed run's leftovers."""

from __future__ import annotations

import os
import shutil
import time
import zipfile
from pathlib import Path

import psycopg
import pytest

from resettle.airflow import pipeline
from resettle.intake import limits
from resettle.intake.discover import LandedFile
from resettle.intake.parse import ParseError
from resettle.intake.process import process_file
from resettle.warehouse.schema import bootstrap
from tests.hostile.build import BUREAU, PERIOD, TAX

pytestmark = pytest.mark.integration


def _drop(landing: Path, source: str, name: str, data: bytes, mtime: float | None = None) -> LandedFile:
    folder = landing / source / PERIOD
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(data)
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    return LandedFile(source, PERIOD, path)


def _process(url: str, landed: LandedFile) -> dict:
    with psycopg.connect(url) as conn:
        return process_file(conn, landed)


@pytest.fixture
def intake(warehouse_url, resettle_env, monkeypatch) -> tuple[str, Path]:
    monkeypatch.setenv("RESETTLE_RECEIVED_CLOCK", "first_seen")
    with psycopg.connect(warehouse_url) as conn:
        bootstrap(conn)
    return warehouse_url, resettle_env["landing"]


def _status(url: str) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute("select file_name, status, superseded_by from ops.submission order by 1").fetchall()


def test_a_file_younger_than_the_settle_period_waits_for_the_next_run(intake, monkeypatch):
    url, landing = intake
    monkeypatch.setenv("RESETTLE_SETTLE_SECONDS", "600")
    landed = _drop(landing, "tax", TAX.name, TAX.read_bytes())
    assert _process(url, landed)["status"] == "waiting"
    assert _status(url) == [], "a waiting file is not registered"
    old = time.time() - 601
    os.utime(landed.path, (old, old))
    assert _process(url, landed)["status"] == "accepted"


def test_received_time_is_when_the_platform_first_saw_the_file_not_its_mtime(intake):
    url, landing = intake
    back_dated = time.mktime((2020, 1, 1, 0, 0, 0, 0, 0, -1))
    landed = _drop(landing, "tax", TAX.name, TAX.read_bytes(), mtime=back_dated)
    before = time.time()
    _process(url, landed)
    with psycopg.connect(url) as conn:
        received, mtime = conn.execute("select received_at, file_mtime from ops.submission").fetchone()
    assert received.timestamp() >= before - 2, "a sender cannot back-date a submission"
    assert mtime.timestamp() == pytest.approx(back_dated), "the file's own time is kept beside it"


def test_a_failure_of_ours_is_failed_with_a_receipt_retried_and_never_displaces_a_newer_file(intake, monkeypatch):
    url, landing = intake
    older = _drop(landing, "tax", "市税务局企业涉税状态202610.csv", TAX.read_bytes())
    from resettle.intake import process

    def broken(parsed, on_chunk=None):
        raise RuntimeError("normalizer crashed")

    with monkeypatch.context() as mp:
        mp.setattr(process, "normalize", broken)
        outcome = pipeline.ingest_file({"source": "tax", "period": PERIOD, "path": str(older.path)}, url)
    assert outcome["status"] == "failed" and "normalizer crashed" in outcome["error"]
    receipt = next((Path(os.environ["RESETTLE_OUTBOX"]) / "tax" / PERIOD).glob("*_回执_*.xlsx"))
    from openpyxl import load_workbook

    sheet = load_workbook(receipt)["回执"]
    texts = [c.value for r in sheet.iter_rows() for c in r if isinstance(c.value, str)]
    assert "系统处理出错" in texts and not any("normalizer" in t for t in texts), "the sender reads no traceback"
    with psycopg.connect(url) as conn:
        assert conn.execute("select count(*) from raw.tax_status").fetchone()[0] == 0
        alert = conn.execute("select kind, condition_key from ops.alert").fetchall()
    assert alert == [("pipeline", f"pipeline:file_failed:{outcome['submission_id']}")], "the engineers are told"

    newer = _drop(landing, "tax", "市税务局企业涉税状态202610_更正.csv", TAX.read_bytes().replace(b"\n", b"\r\n"))
    assert _process(url, newer)["status"] == "accepted"
    retried = _process(url, older)
    assert retried["status"] == "superseded", "the file received first is not put in force by being retried"
    statuses = dict((name, status) for name, status, _ in _status(url))
    assert statuses == {older.file_name: "superseded", newer.file_name: "accepted"}


def test_resource_limits_reject_with_a_sentence(tmp_path):
    big = tmp_path / "a.csv"
    big.write_bytes(b"x" * 3_000_000)
    with pytest.raises(limits.LimitExceeded, match="超过系统上限"):
        limits.check_file(big, "csv", limits.Limits(file_mb=2))
    with pytest.raises(limits.LimitExceeded, match="解压后"):
        limits.check_file(BUREAU, "xlsx", limits.Limits(unzipped_mb=0.001))
    bomb = tmp_path / "b.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/sharedStrings.xml", bytes(3 << 20))
    with pytest.raises(limits.LimitExceeded, match="压缩比"):
        limits.check_file(bomb, "xlsx", limits.Limits(ratio_floor_mb=1))
    limits.check_file(BUREAU, "xlsx")  # a real file passes
    with pytest.raises(limits.LimitExceeded, match="行数"):
        limits._check_size(3_000_000, 10, limits.Limits())
    assert issubclass(limits.LimitExceeded, ParseError), "a breach is a rejection with a receipt"


def test_time_limit_stops_a_file_that_takes_too_long():
    started = time.monotonic()
    with pytest.raises(limits.TimeLimitExceeded, match="处理时间"), limits.time_limit(0.2):
        while True:
            pass
    assert time.monotonic() - started < 2


def test_raw_rows_of_a_file_cannot_be_written_twice_even_past_the_lock(intake):
    url, landing = intake
    outcome = _process(url, _drop(landing, "tax", TAX.name, TAX.read_bytes()))
    with psycopg.connect(url) as conn, pytest.raises(psycopg.errors.UniqueViolation):
        conn.execute(
            "insert into raw.tax_status select * from raw.tax_status where submission_id = %s",
            (outcome["submission_id"],),
        )


def test_a_crashed_runs_leftovers_are_cleaned_by_the_next_run(intake, monkeypatch):
    url, landing = intake
    archive = Path(os.environ["RESETTLE_ARCHIVE"])
    (archive / "tmp").mkdir(parents=True, exist_ok=True)
    stale, fresh = archive / "tmp" / "stale.part", archive / "tmp" / "fresh.part"
    stale.write_bytes(b"half")
    fresh.write_bytes(b"another run's copy in progress")
    os.utime(stale, (time.time() - 7200, time.time() - 7200))
    outcome = _process(url, _drop(landing, "tax", TAX.name, TAX.read_bytes()))
    with psycopg.connect(url) as conn:  # as if a run had died between writing rows and deciding
        conn.execute(
            "update ops.submission set status = 'received' where submission_id = %s", (outcome["submission_id"],)
        )
    removed = pipeline.prepare_warehouse(url)
    assert removed["partial_copies"] == 1 and not stale.exists() and fresh.exists()
    assert removed["tax_status"] == outcome["rows_valid"]
    assert _process(url, LandedFile("tax", PERIOD, landing / "tax" / PERIOD / TAX.name))["status"] == "accepted"
    with psycopg.connect(url) as conn:
        assert conn.execute("select count(*) from raw.tax_status").fetchone()[0] == outcome["rows_valid"]


def test_an_entry_replaced_by_a_link_after_discovery_is_refused(intake):
    url, landing = intake
    landed = _drop(landing, "tax", TAX.name, TAX.read_bytes())
    secret = landing.parent / "secret.csv"
    shutil.copyfile(TAX, secret)
    landed.path.unlink()
    landed.path.symlink_to(secret)
    outcome = _process(url, landed)
    assert outcome["status"] == "refused"
    with psycopg.connect(url) as conn:
        assert conn.execute("select check_name from ops.finding").fetchall() == [("refused_link",)]
