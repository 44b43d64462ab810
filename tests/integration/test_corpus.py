"""The intake against a committed corpus of small real-shaped files, each with its exact expected outcome.

`tests/fixtures/corpus/<source>/<YYYY-MM>/` holds what districts and departments really send (title and
notes rows, a 说明 sheet, GBK/GB18030/UTF-8 CSVs, Excel date cells, full-width digits, thousands
separators, English headers...) and one-thing-wrong copies of them; `corpus/expected.yml` says, per file,
the status, the rows that must reach raw and the exact findings (row, column, check, severity). The whole
corpus is processed once, the way production does it (one connection per file, in the listed order), and
then a second time, which must change nothing. Regenerate the files with `tests/fixtures/make_corpus.py`.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import time
import traceback
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
import yaml
from psycopg import sql
from psycopg.rows import dict_row

from resettle.domain.contracts import DATASETS, DEPENDS_ON_LEDGER
from resettle.domain.periods import last_due_period
from resettle.intake.discover import LandedFile, discover
from resettle.intake.process import process_file
from resettle.warehouse.schema import bootstrap
from tests.databases import fresh_database

pytestmark = pytest.mark.integration

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "corpus"
EXPECTED = yaml.safe_load((CORPUS / "expected.yml").read_text(encoding="utf-8"))
FILES: list[dict] = EXPECTED["files"]
ACCEPTED = ("accepted", "accepted_with_warnings")
NOT_FOR_A_CLERK = re.compile(r"Traceback|Error|Exception|\bnan\b|\bNaN\b|\bNone\b|\bNaT\b|<NA>")


def key(entry: dict) -> str:
    """The file's path below the corpus (a misplaced file's `file` is its path below the source's folder)."""
    if entry.get("misplaced"):
        return f"{entry['source']}/{entry['file']}"
    return f"{entry['source']}/{entry['period']}/{entry['file']}"


def period(entry: dict) -> str:
    """The month the file is registered under (`due`: the month now due, for a misplaced file without one)."""
    return last_due_period() if entry["period"] == "due" else str(entry["period"])


def landed(landing: Path, entry: dict) -> LandedFile:
    """The entry as discovery finds it: a misplaced file with its folder and its month as its names tell it."""
    if entry.get("misplaced"):
        path = landing / key(entry)
        return next(f for f in discover(landing, sources=(entry["source"],)) if f.path == path)
    return LandedFile(entry["source"], period(entry), landing / key(entry))


def by_key(name: str) -> dict:
    return next(e for e in FILES if key(e) == name)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class CorpusRun:
    url: str
    landing: Path
    archive: Path
    first: dict[str, dict]
    second: dict[str, dict]
    after_first: dict
    after_second: dict
    seconds: float


def _process_all(url: str, landing: Path) -> dict[str, dict]:
    """Every file in the listed order, each in its own connection as the DAG task does; a crash is recorded."""
    outcomes = {}
    for entry in FILES:
        try:
            with psycopg.connect(url) as conn:
                outcomes[key(entry)] = process_file(conn, landed(landing, entry))
        except Exception:
            outcomes[key(entry)] = {"crash": traceback.format_exc()}
    return outcomes


def _snapshot(url: str) -> dict:
    with psycopg.connect(url) as conn:
        return {
            "submission": conn.execute(
                """select submission_id, source, dataset, period, file_name, sha256, size_bytes, archive_path, status,
                          rows_total, rows_valid, errors, warnings, message_zh, duplicate_of, superseded_by,
                          processed_at
                   from ops.submission order by submission_id"""
            ).fetchall(),
            "finding": conn.execute("select * from ops.finding order by submission_id, finding_no").fetchall(),
            "raw": {
                dataset: conn.execute(
                    sql.SQL("select submission_id, count(*) from {} group by 1 order by 1").format(
                        sql.Identifier("raw", dataset)
                    )
                ).fetchall()
                for dataset in DATASETS
            },
        }


@pytest.fixture(scope="module")
def corpus_run(pg_server, tmp_path_factory) -> CorpusRun:
    root = tmp_path_factory.mktemp("corpus")
    paths = {part: root / part for part in ("landing", "outbox", "archive")}
    shutil.copytree(CORPUS, paths["landing"], ignore=shutil.ignore_patterns("expected.yml"))
    paths["outbox"].mkdir()
    paths["archive"].mkdir()
    with fresh_database(pg_server, "t_corpus") as url:
        with pytest.MonkeyPatch.context() as mp:
            for part, path in paths.items():
                mp.setenv(f"RESETTLE_{part.upper()}", str(path))
            mp.setenv("RESETTLE_RECEIVED_CLOCK", "first_seen")  # received in the listed order, as processed
            with psycopg.connect(url) as conn:
                bootstrap(conn)
            started = time.perf_counter()
            first = _process_all(url, paths["landing"])
            seconds = time.perf_counter() - started
            after_first = _snapshot(url)
            second = _process_all(url, paths["landing"])
            after_second = _snapshot(url)
        yield CorpusRun(url, paths["landing"], paths["archive"], first, second, after_first, after_second, seconds)


def _outcome(run: CorpusRun, entry: dict) -> dict:
    outcome = run.first[key(entry)]
    assert "crash" not in outcome, f"{key(entry)}: the intake crashed instead of writing a finding:\n{outcome['crash']}"
    return outcome


def _submission(conn: psycopg.Connection, submission_id: int) -> dict:
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute("select * from ops.submission where submission_id = %s", (submission_id,)).fetchone()


def _findings(conn: psycopg.Connection, submission_id: int) -> list[tuple]:
    return conn.execute(
        """select excel_row, column_header, check_name, severity, message_zh, value from ops.finding
           where submission_id = %s order by finding_no""",
        (submission_id,),
    ).fetchall()


def _raw_count(conn: psycopg.Connection, dataset: str | None, submission_id: int) -> int:
    if dataset is None:
        return sum(
            conn.execute(
                sql.SQL("select count(*) from {} where submission_id = %s").format(sql.Identifier("raw", d)),
                (submission_id,),
            ).fetchone()[0]
            for d in DATASETS
        )
    return conn.execute(
        sql.SQL("select count(*) from {} where submission_id = %s").format(sql.Identifier("raw", dataset)),
        (submission_id,),
    ).fetchone()[0]


def _sort(items) -> list:
    return sorted(items, key=lambda t: tuple("" if v is None else str(v) for v in t))


def _same_value(actual, expected) -> bool:
    if expected is None or isinstance(expected, (bool, dict)):
        return actual == expected and type(actual) is type(expected)
    if isinstance(expected, (int, float)):
        return actual is not None and not isinstance(actual, bool) and float(actual) == pytest.approx(expected)
    if hasattr(actual, "isoformat"):
        return actual.isoformat() == str(expected)
    return str(actual) == str(expected)


# ---------------------------------------------------------------- the corpus itself


def test_corpus_is_listed_small_and_in_a_sensible_order():
    on_disk = {p.relative_to(CORPUS).as_posix() for p in CORPUS.rglob("*") if p.is_file() and p.name != "expected.yml"}
    listed = [key(e) for e in FILES]
    assert len(listed) == len(set(listed)), "a file is listed twice in expected.yml"
    assert len({e["id"] for e in FILES}) == len(FILES), "ids in expected.yml must be unique"
    assert on_disk == set(listed), (
        f"not listed: {sorted(on_disk - set(listed))}; listed but missing: {sorted(set(listed) - on_disk)}"
    )
    assert sum((CORPUS / name).stat().st_size for name in on_disk) < 1_000_000
    # the previous month first; in a month, ledgers and department feeds before rosters and progress
    order = [(str(e["period"]), e["dataset"] in DEPENDS_ON_LEDGER) for e in FILES if e.get("dataset")]
    assert order == sorted(order), "expected.yml must list files in the order they are to be processed"
    for entry in FILES:
        assert entry["status"] in (*ACCEPTED, "rejected", "duplicate"), key(entry)
        assert (entry["rows"] > 0) == (entry["status"] in ACCEPTED), key(entry)
        if entry["status"] != "duplicate":
            assert (entry["status"] == "accepted") == (entry["findings"] == []), key(entry)


# ---------------------------------------------------------------- one test per file


@pytest.mark.parametrize("entry", FILES, ids=[e["id"] for e in FILES])
def test_file_outcome(corpus_run: CorpusRun, entry: dict):
    name = key(entry)
    outcome = _outcome(corpus_run, entry)
    with psycopg.connect(corpus_run.url) as conn:
        sub = _submission(conn, outcome["submission_id"])
        findings = _findings(conn, outcome["submission_id"])
        shown = (
            "\n".join(
                f"    row={r} column={c} check={k} severity={s} value={v!r}: {m}" for r, c, k, s, m, v in findings
            )
            or "    (none)"
        )
        context = f"{name}\n  message: {sub['message_zh']}\n  findings:\n{shown}"

        assert outcome["status"] == entry["status"], (
            f"status {outcome['status']!r}, expected {entry['status']!r}: {context}"
        )
        assert sub["period"] == period(entry), f"registered under {sub['period']}, expected {period(entry)}: {context}"
        if entry.get("misplaced"):
            assert sub["file_name"] == entry["file"], f"registered as {sub['file_name']!r}: {context}"
        if "duplicate_of" in entry:
            original = corpus_run.first[f"{entry['source']}/{entry['period']}/{entry['duplicate_of']}"]
            assert sub["duplicate_of"] == original.get("submission_id"), f"not marked as a copy: {context}"
        if "dataset" in entry:
            assert sub["dataset"] == entry["dataset"], (
                f"recognised as {sub['dataset']!r}, expected {entry['dataset']!r}: {context}"
            )

        actual = Counter((r, c, k, s) for r, c, k, s, _, _ in findings)
        expected = Counter((f["row"], f["column"], f["check"], f["severity"]) for f in entry["findings"])
        if actual != expected:
            missing, unexpected = expected - actual, actual - expected
            pytest.fail(
                f"findings differ: missing {_sort(missing.elements())}, "
                f"unexpected {_sort(unexpected.elements())}: {context}"
            )
        for f in entry["findings"]:
            if f.get("message"):
                messages = [
                    m
                    for r, c, k, s, m, _ in findings
                    if (r, c, k, s) == (f["row"], f["column"], f["check"], f["severity"])
                ]
                assert any(f["message"] in m for m in messages), (
                    f"no message containing {f['message']!r} for {f['row']}/{f['column']}/{f['check']}: {context}"
                )

        raw = _raw_count(conn, entry.get("dataset"), outcome["submission_id"])
        assert raw == entry["rows"], f"{raw} rows in raw, expected {entry['rows']}: {context}"
        if entry["status"] in ACCEPTED:
            assert sub["rows_valid"] == sub["rows_total"] == entry["rows"], context
        errors = sum(1 for f in findings if f[3] == "error")
        assert (sub["errors"], sub["warnings"]) == (errors, len(findings) - errors), context

        for check in entry.get("raw", ()):
            column = check["column"]
            value = conn.execute(
                sql.SQL("select {} from {} where submission_id = %s and source_row = %s").format(
                    sql.Identifier(column), sql.Identifier("raw", entry["dataset"])
                ),
                (outcome["submission_id"], check["row"]),
            ).fetchone()
            assert value is not None, f"no raw row for source_row {check['row']}: {context}"
            assert _same_value(value[0], check["value"]), (
                f"raw.{entry['dataset']} source_row {check['row']} {column} = {value[0]!r}, "
                f"expected {check['value']!r}: {context}"
            )

    for text in [sub["message_zh"], *(m for *_, m, _ in findings)]:
        assert text and re.search(r"[\u4e00-\u9fff]", text), f"a clerk gets no Chinese message: {context}"
        assert not NOT_FOR_A_CLERK.search(text), f"a message shows program internals: {text!r}: {context}"


# ---------------------------------------------------------------- the register as a whole


def test_each_accepted_file_is_superseded_by_the_next_one_for_its_source_dataset_and_period(corpus_run):
    ids = {key(e): corpus_run.first[key(e)].get("submission_id") for e in FILES}
    latest: dict[tuple, str] = {}
    expected_final: dict[str, tuple[str, str | None]] = {}
    for entry in FILES:
        expected_final[key(entry)] = (entry["status"], None)
        if entry["status"] in ACCEPTED:
            group = (entry["source"], entry["dataset"], str(entry["period"]))
            if group in latest:
                earlier = latest[group]
                expected_final[earlier] = ("superseded", key(entry))
            latest[group] = key(entry)
    with psycopg.connect(corpus_run.url) as conn:
        by_id = {
            row[0]: row
            for row in conn.execute("select submission_id, file_name, status, superseded_by from ops.submission")
        }
    problems = []
    for name, (status, successor) in expected_final.items():
        if ids[name] is None:
            problems.append(f"{name}: crashed, not registered")
            continue
        _, _, actual_status, superseded_by = by_id[ids[name]]
        wanted_by = ids.get(successor) if successor else None
        if (actual_status, superseded_by) != (status, wanted_by):
            actual_by = by_id[superseded_by][1] if superseded_by in by_id else None
            problems.append(
                f"{name}: ends {actual_status} (superseded by {actual_by}), expected {status}"
                + (f" (superseded by {successor.rsplit('/', 1)[1]})" if successor else "")
            )
    assert not problems, "\n".join(problems)


def test_a_corrected_resubmission_supersedes_the_earlier_one_and_both_keep_their_rows(corpus_run):
    first = _outcome(corpus_run, by_key("tax/2026-10/市税务局企业涉税状态202610.csv"))
    corrected = _outcome(corpus_run, by_key("tax/2026-10/市税务局企业涉税状态202610_更正.csv"))
    with psycopg.connect(corpus_run.url) as conn:
        earlier = _submission(conn, first["submission_id"])
        assert (earlier["status"], earlier["superseded_by"]) == ("superseded", corrected["submission_id"])
        assert _submission(conn, corrected["submission_id"])["status"] == "accepted"
        assert _raw_count(conn, "tax_status", first["submission_id"]) == 6
        assert _raw_count(conn, "tax_status", corrected["submission_id"]) == 6
        current = conn.execute(
            """select submission_id from ops.submission where source = 'tax' and dataset = 'tax_status'
               and period = '2026-10' and status in ('accepted', 'accepted_with_warnings')"""
        ).fetchall()
        assert current == [(corrected["submission_id"],)], "exactly one current tax file for the month"
        arrears = conn.execute(
            "select submission_id, tax_arrears from raw.tax_status where source_row = 6 order by submission_id"
        ).fetchall()
        assert [float(a) for _, a in arrears] == [47310.6, 147310.6]


def test_the_same_bytes_under_another_name_in_the_same_folder_is_a_duplicate(corpus_run):
    original = _outcome(corpus_run, by_key("police/2026-10/市公安局涉案企业信息_202610.csv"))
    copy = _outcome(corpus_run, by_key("police/2026-10/市公安局涉案企业信息_202610(1).csv"))
    with psycopg.connect(corpus_run.url) as conn:
        dup = _submission(conn, copy["submission_id"])
        orig = _submission(conn, original["submission_id"])
        assert dup["status"] == "duplicate" and dup["duplicate_of"] == original["submission_id"]
        assert orig["status"] == "accepted", "the original stays current"
        assert dup["sha256"] == orig["sha256"] and dup["archive_path"] == orig["archive_path"]
        assert _raw_count(conn, None, copy["submission_id"]) == 0
        assert _findings(conn, copy["submission_id"]) == []
        assert "完全相同" in dup["message_zh"]


def test_every_file_is_archived_byte_for_byte_under_its_sha256(corpus_run):
    with psycopg.connect(corpus_run.url) as conn:
        rows = {
            (source, period, file_name): (sha, size, Path(path))
            for source, period, file_name, sha, size, path in conn.execute(
                "select source, period, file_name, sha256, size_bytes, archive_path from ops.submission"
            )
        }
    assert len(rows) == len(FILES)
    for entry in FILES:
        original = (CORPUS / key(entry)).read_bytes()
        sha, size, archived = rows[(entry["source"], period(entry), entry["file"])]
        assert archived.is_relative_to(corpus_run.archive) and archived.name.startswith(sha), key(entry)
        assert sha == sha256(original) and size == len(original), key(entry)
        assert archived.read_bytes() == original, f"{key(entry)}: archived bytes differ from the file sent"


def test_reprocessing_the_whole_corpus_changes_nothing(corpus_run):
    crashed = [name for name, o in corpus_run.second.items() if "crash" in o]
    assert not crashed, f"second pass crashed on {crashed}"
    for name, again in corpus_run.second.items():
        first = corpus_run.first[name]
        if "crash" in first:
            continue
        assert again["new"] is False, f"{name} was processed again"
        assert again["submission_id"] == first["submission_id"], name
    assert corpus_run.after_second["submission"] == corpus_run.after_first["submission"]
    assert corpus_run.after_second["raw"] == corpus_run.after_first["raw"]
    assert corpus_run.after_second["finding"] == corpus_run.after_first["finding"]


def test_every_file_is_answered_with_a_receipt_and_an_accepted_one_with_a_short_one(corpus_run):
    from openpyxl import load_workbook

    from resettle.intake.receipt import RECEIPT_SHEET, receipt_path

    outbox = corpus_run.landing.parent / "outbox"
    for entry in FILES:
        outcome = _outcome(corpus_run, entry)
        path = receipt_path(outbox, entry["source"], period(entry), entry["file"], outcome["submission_id"])
        assert path.exists(), f"{key(entry)}: no receipt"
        if entry.get("misplaced"):
            texts = " ".join(
                str(v)
                for row in load_workbook(path, read_only=True)[RECEIPT_SHEET].iter_rows(values_only=True)
                for v in row
                if v
            )
            said = "请放入" if entry["status"] == "rejected" else "系统按"
            assert said in texts and entry["file"] in texts, f"{key(entry)}: the receipt does not say where it was"
        if entry["status"] != "accepted":
            continue
        wb = load_workbook(path, read_only=True)
        assert wb.sheetnames == [RECEIPT_SHEET], f"{key(entry)}: an accepted file's receipt copies nothing"
        rows = wb[RECEIPT_SHEET].iter_rows(values_only=True)
        cells = {row[0]: row[1] for row in rows if len(row) > 1 and row[0]}
        assert cells["处理结果"].startswith("已接收") and "校验全部通过" in cells["说明"], key(entry)
        assert "序号" not in cells, f"{key(entry)}: a receipt without problems has no table"
