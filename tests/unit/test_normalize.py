"""Reading cells the way offices write them, without a database: numbers, dates, months, categories,
identifiers, the dataset a file name gives, and a small file's findings before and after validation."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pandas as pd
import pytest

from resettle.domain.findings import Finding
from resettle.intake.normalize import (
    EXCEL_FLOAT_ID,
    CellError,
    fold,
    normalize,
    parse_date,
    parse_disposal_category,
    parse_number,
    parse_period,
)
from resettle.intake.parse import ParsedFile, cell_text, detect_dataset, header_key


def test_full_width_characters_and_stray_spaces_fold_to_plain_text():
    assert fold("  ＡＢ１２３　") == "AB123"
    assert fold("泰山区") == "泰山区"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1,234.50", Decimal("1234.50")),
        ("１２３", Decimal("123")),
        ("12 345", Decimal("12345")),
        ("3，000", Decimal("3000")),
    ],
)
def test_numbers_with_separators_read_as_decimals(text, expected):
    assert parse_number(text) == expected


def test_a_word_is_not_a_number():
    with pytest.raises(CellError, match="数字"):
        parse_number("约三百")


@pytest.mark.parametrize(
    "text", ["2019-11-11", "2019/11/11", "2019.11.11", "2019年11月11日", "20191111", "2019-11-11T08:00:00", "43780"]
)
def test_every_date_form_offices_write_reads_as_the_same_day(text):
    assert parse_date(text) == dt.date(2019, 11, 11)


def test_a_day_that_does_not_exist_is_reported_as_such():
    with pytest.raises(CellError, match="日期不存在"):
        parse_date("2019-02-30")
    with pytest.raises(CellError, match="格式无法识别"):
        parse_date("去年冬天")


@pytest.mark.parametrize("text", ["2026-10", "2026/10", "202610", "2026年10月", "2026-10-01"])
def test_a_month_reads_in_every_form(text):
    assert parse_period(text) == "2026-10"


def test_a_thirteenth_month_is_refused():
    with pytest.raises(CellError):
        parse_period("2026-13")


@pytest.mark.parametrize(
    ("text", "expected"), [("2", 2), ("继续建设", 2), ("2-继续建设", 2), ("（主体灭失）", 3), ("5", 5)]
)
def test_a_disposal_category_reads_from_its_number_or_its_name(text, expected):
    assert parse_disposal_category(text) == expected


def test_a_category_whose_number_and_name_disagree_is_refused():
    with pytest.raises(CellError):
        parse_disposal_category("2-主体灭失")
    with pytest.raises(CellError):
        parse_disposal_category("6")


def test_excel_cells_become_the_text_the_clerk_meant():
    assert cell_text(12.0) == "12"
    assert cell_text(dt.datetime(2026, 10, 1)) == "2026-10-01"
    assert cell_text(True) == "是"
    assert cell_text("  ") is None


def test_headers_match_whatever_the_width_case_and_brackets():
    assert header_key("约定面积（㎡） ") == header_key("约定面积(㎡)")
    assert header_key("Project_Code") == header_key("project code")


def test_the_dataset_comes_from_the_file_name_and_the_longest_keyword_wins():
    assert (
        detect_dataset(
            "泰山区项目台账2026年10月.xlsx", candidates=("project_ledger", "household_roster", "monthly_progress")
        )
        == "project_ledger"
    )
    assert detect_dataset("随便起的名字.xlsx", candidates=("project_ledger",)) is None


def _parsed(rows: list[dict]) -> ParsedFile:
    frame = pd.DataFrame(rows, dtype="str")
    return ParsedFile(
        dataset="household_roster",
        headers=list(frame.columns),
        columns={c: c for c in frame.columns},
        frame=frame,
        row_numbers=list(range(3, 3 + len(rows))),
        header_row=2,
    )


def test_an_id_number_excel_turned_into_a_float_is_a_finding_on_its_row():
    from resettle.domain.contracts import contract

    c = contract("household_roster")
    id_column = next(col for col in c.columns if col.type == "id_number")
    parsed = _parsed([{id_column.name: "2.30403194403221E+17"}])

    frame, findings = normalize(parsed)

    mine = [f for f in findings if f.row == 3]
    assert mine and mine[0].message_zh == EXCEL_FLOAT_ID
    assert isinstance(mine[0], Finding)
    assert pd.isna(frame.loc[0, id_column.name])


def test_rows_typed_in_chunks_give_the_same_frame_and_findings(monkeypatch):
    """The intake streams rows to the warehouse a chunk at a time as they are typed: what it validates and
    what the sender is told must not depend on where the chunks fall."""
    from resettle.domain.contracts import contract
    from resettle.intake import normalize as normalizing

    c = contract("household_roster")
    kinds = {col.type: col.name for col in c.columns}
    ids = ["230405195404089291", "2.30403194403221E+17", "２３０４０５１９５４０４０８９２９１"]
    rows = [
        {
            kinds["id_number"]: ids[i % 3],
            kinds["code"]: [" xy-２０１４-001", "XY-2014-002", ""][i % 3],
            kinds["date"]: ["2024-03-01", "2024年3月2日", "明天"][i % 3],
            kinds["yes_no"]: ["是", "否", "也许"][i % 3],
        }
        for i in range(10)
    ]
    whole, whole_findings = normalize(_parsed(rows))
    monkeypatch.setattr(normalizing, "CHUNK_ROWS", 3)
    chunks: list[pd.DataFrame] = []
    frame, findings = normalize(_parsed(rows), on_chunk=chunks.append)

    assert [len(chunk) for chunk in chunks] == [3, 3, 3, 1]
    pd.testing.assert_frame_equal(frame, whole)
    pd.testing.assert_frame_equal(pd.concat(chunks, ignore_index=True), whole)

    def in_order(found: list[Finding]) -> list[Finding]:
        return sorted(found, key=lambda f: (f.row or 0, f.column or "", f.check))

    assert in_order(findings) == in_order(whole_findings)
    assert {f.row for f in findings if f.row} == {3 + i for i in range(10) if i % 3 in (1, 2)}
