"""The intake against hostile files (built by tests/hostile/build.py): each case refused or rejected cleanly
with its exact outcome, nothing outside a sender's own folder read or copied into a receipt, and a second
run changing nothing. Files are processed the way the DAG task does (`pipeline.ingest_file`)."""

from __future__ import annotations

import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from openpyxl import load_workbook
from psycopg.rows import dict_row

from resettle.airflow import pipeline
from resettle.intake.discover import discover
from resettle.warehouse.schema import bootstrap
from tests.databases import fresh_database
from tests.hostile.build import CASES, FORMULA, PERIOD, SECRET, Case, build

pytestmark = pytest.mark.integration


@dataclass
class HostileRun:
    url: str
    root: Path
    landing: Path
    first: list[dict]
    second: list[dict]
    register: dict[tuple[str, str], dict]
    snapshot_first: list
    snapshot_second: list


def _snapshot(url: str) -> list:
    with psycopg.connect(url) as conn:
        subs = conn.execute(
            "select submission_id, status, message_zh, sha256 from ops.submission order by 1"
        ).fetchall()
        raw = (
            conn.execute("select count(*) from raw.police_cases").fetchone()[0]
            + conn.execute("select count(*) from raw.tax_status").fetchone()[0]
        )
    return [subs, raw]


def _run(url: str, landing: Path) -> list[dict]:
    return pipeline.ingest_month(PERIOD, url)


@pytest.fixture(scope="module")
def hostile(pg_server, tmp_path_factory) -> HostileRun:
    root = tmp_path_factory.mktemp("hostile")
    landing = build(root)
    with fresh_database(pg_server, "t_hostile") as url:
        with pytest.MonkeyPatch.context() as mp:
            for part in ("outbox", "archive", "home"):
                mp.setenv(f"RESETTLE_{part.upper()}", str(root / part))
            mp.setenv("RESETTLE_LANDING", str(landing))
            mp.setenv("RESETTLE_RECEIVED_CLOCK", "first_seen")
            mp.setenv("RESETTLE_LIMIT_RATIO_FLOOR_MB", "8")
            with psycopg.connect(url) as conn:
                bootstrap(conn)
            first = _run(url, landing)
            snap1 = _snapshot(url)
            second = _run(url, landing)
            snap2 = _snapshot(url)
        with psycopg.connect(url) as conn, conn.cursor(row_factory=dict_row) as cur:
            rows = cur.execute("select * from ops.submission").fetchall()
        register = {(r["source"], r["file_name"]): r for r in rows}
        yield HostileRun(url, root, landing, first, second, register, snap1, snap2)


def _findings(url: str, submission_id: int) -> list[dict]:
    with psycopg.connect(url) as conn, conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(
            "select * from ops.finding where submission_id = %s order by finding_no", (submission_id,)
        ).fetchall()


def _receipts(root: Path) -> list[Path]:
    return sorted((root / "outbox").rglob("*.xlsx"))


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_case_outcome(hostile: HostileRun, case: Case):
    row = hostile.register.get((case.source, case.name))
    assert row is not None, f"{case.id}: not registered (silently ignored); register has {sorted(hostile.register)}"
    assert row["status"] == case.status, f"{case.id}: {row['status']} ({row['message_zh']})"
    findings = _findings(hostile.url, row["submission_id"])
    if case.check:
        found = [f for f in findings if f["check_name"] == case.check]
        assert found, (case.id, findings)
        if case.message:
            assert case.message in found[0]["message_zh"], (case.id, found)
        if case.row:
            assert found[0]["excel_row"] == case.row
    if case.status in ("refused", "rejected"):
        receipt = [p for p in _receipts(hostile.root) if p.name.endswith(f"_回执_{row['submission_id']}.xlsx")]
        assert receipt, f"{case.id}: no receipt"


def test_every_landed_entry_is_registered(hostile: HostileRun):
    """Nothing in a month folder is passed over in silence (only Excel's `~$` lock files are)."""
    entries = discover(hostile.landing, PERIOD)
    assert {(e.source, e.file_name) for e in entries} == set(hostile.register)
    assert len(CASES) == len(hostile.register)


def _zip_text(path: Path) -> str:
    with zipfile.ZipFile(path) as zf:
        return "".join(zf.read(n).decode("utf-8", "replace") for n in zf.namelist())


def test_nothing_outside_a_senders_folder_is_read_or_copied(hostile: HostileRun):
    passwd = Path("/etc/passwd").read_text().splitlines()[0]
    roster_name = "张"  # every roster row's head; the roster linked from another folder must not appear
    for receipt in _receipts(hostile.root):
        text = _zip_text(receipt)
        assert SECRET not in text and passwd not in text, receipt
    for archived in (hostile.root / "archive").rglob("*"):
        if archived.is_file():
            data = archived.read_bytes()
            assert SECRET.encode() not in data and passwd.encode() not in data, archived
    with psycopg.connect(hostile.url) as conn:
        dumped = str(conn.execute("select * from ops.submission").fetchall()) + str(
            conn.execute("select * from ops.finding").fetchall()
        )
    assert SECRET not in dumped and passwd not in dumped
    for case in CASES:
        if case.status == "refused":
            row = hostile.register[(case.source, case.name)]
            assert row["archive_path"] == "" and row["size_bytes"] == 0
            [receipt] = [p for p in _receipts(hostile.root) if p.name.endswith(f"_回执_{row['submission_id']}.xlsx")]
            wb = load_workbook(receipt, read_only=True)
            assert wb.sheetnames == ["回执"], f"{case.id}: a refused entry's receipt copies nothing"
            assert roster_name not in _zip_text(receipt) or case.source != "xingan"


def test_formula_like_cells_keep_the_quote_prefix_in_the_receipt(hostile: HostileRun):
    row = hostile.register[("police", "市公安局涉案企业信息_公式.csv")]
    [receipt] = [p for p in _receipts(hostile.root) if p.name.endswith(f"_回执_{row['submission_id']}.xlsx")]
    wb = load_workbook(receipt)
    cells = [c for r in wb["原表标注"].iter_rows() for c in r if c.value == FORMULA]
    assert cells and all(c.data_type == "s" and c.quotePrefix for c in cells)


def test_second_run_changes_nothing(hostile: HostileRun):
    assert hostile.snapshot_first == hostile.snapshot_second
    assert not [o for o in hostile.second if o.get("new")]


def test_archive_outbox_receipts_and_data_docs_are_private(hostile: HostileRun):
    assert (hostile.root / "home" / "gx").is_dir(), "accepted files were recorded in Data Docs"
    for top in ("archive", "outbox", "home/gx"):
        for path in [hostile.root / top, *(hostile.root / top).rglob("*")]:
            mode = stat.S_IMODE(path.stat().st_mode)
            assert mode == (0o700 if path.is_dir() else 0o600), f"{path}: {oct(mode)}"
