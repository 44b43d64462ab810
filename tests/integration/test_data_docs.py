"""Data Docs cost the same for the fiftieth file as for the first, and are written after the decision commits."""

from __future__ import annotations

import stat
import statistics
import time
from pathlib import Path

import psycopg
import pytest

from resettle.airflow.pipeline import publish_data_docs
from resettle.intake import docs
from resettle.intake.discover import LandedFile
from resettle.intake.process import process_file
from resettle.warehouse.schema import bootstrap

pytestmark = pytest.mark.integration

TAX = Path(__file__).resolve().parents[1] / "fixtures" / "corpus" / "tax" / "2026-10" / "市税务局企业涉税状态202610.csv"
FILES = 50


def test_data_docs_cost_per_file_does_not_grow(warehouse_url, resettle_env, monkeypatch):
    with psycopg.connect(warehouse_url) as conn:
        bootstrap(conn)
    folder = resettle_env["landing"] / "tax" / "2026-10"
    folder.mkdir(parents=True)
    original = TAX.read_text(encoding="utf-8")
    assert "47,310.60" in original

    seconds: list[float] = []
    committed: list[bool] = []
    record = docs.record

    def timed_record(result, **kwargs):
        # The decision is already visible to another connection when the docs are written.
        with psycopg.connect(warehouse_url) as other:
            status = other.execute(
                "select status from ops.submission where submission_id = %s", (kwargs["submission_id"],)
            ).fetchone()[0]
        committed.append(status != "received")
        start = time.perf_counter()
        page = record(result, **kwargs)
        seconds.append(time.perf_counter() - start)
        assert page is not None
        return page

    monkeypatch.setattr(docs, "record", timed_record)
    for i in range(FILES):
        path = folder / f"市税务局企业涉税状态202610_第{i + 1}次.csv"
        path.write_text(original.replace("47,310.60", f"47,{310 + i}.60"), encoding="utf-8")
        with psycopg.connect(warehouse_url) as conn:
            outcome = process_file(conn, LandedFile("tax", "2026-10", path))
        assert outcome["status"] == "accepted", outcome

    assert len(seconds) == FILES and all(committed)
    first, last = statistics.median(seconds[:10]), statistics.median(seconds[-10:])
    # Rebuilding the whole site per file made the last tens cost about five times the first.
    assert last < first * 2 + 0.05, f"per-file Data Docs went from {first:.3f} s to {last:.3f} s"

    # Each file made what it stored private (results quote the file's rows), and only that: a result made
    # readable by hand stays so until the run's rendering, which makes the whole site private again.
    gx = resettle_env["home"] / "gx"
    stored = list((gx / "uncommitted" / "validations").rglob("*"))
    assert stored and all(_mode(p) == (0o700 if p.is_dir() else 0o600) for p in stored)
    assert all(_mode(p) == 0o600 for p in (gx / "uncommitted" / "pages_to_render").iterdir())
    loosened = next(p for p in stored if p.suffix == ".json")
    loosened.chmod(0o644)
    path = folder / "市税务局企业涉税状态202610_再报.csv"
    path.write_text(original.replace("47,310.60", "48,310.60"), encoding="utf-8")
    with psycopg.connect(warehouse_url) as conn:
        assert process_file(conn, LandedFile("tax", "2026-10", path))["status"] == "accepted"
    assert _mode(loosened) == 0o644, "a file's Data Docs walked every result ever stored"

    index = publish_data_docs()
    assert index is not None and _mode(loosened) == 0o600
    html = Path(index).read_text(encoding="utf-8")
    pages = list((Path(index).parent / "validations" / "tax_status").rglob("*.html"))
    assert len(pages) == FILES + 1
    assert "tax_status" in html


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)
