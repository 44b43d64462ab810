"""The file forms offices send besides a plain xlsx or comma CSV: a legacy .xls, a tab-separated export under a
.csv name, and Excel percent cells, each read by the real readers from files written by real writers."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from resettle.domain.contracts import contract
from resettle.intake.normalize import CellError, _convert, normalize
from resettle.intake.parse import ParseError, csv_delimiter, parse, read_sheets
from resettle.intake.xlsx_reader import has_percent_style, percent_text, read_xlsx

LEGACY_XLS = Path(__file__).resolve().parents[1] / "fixtures" / "legacy" / "向阳区项目台账_旧版xls格式.xls"


def test_a_legacy_xls_reads_like_its_xlsx_with_dates_numbers_and_notes():
    parsed = parse(LEGACY_XLS, candidates=("project_ledger",))
    assert parsed.dataset == "project_ledger" and parsed.sheet == "项目台账"
    assert parsed.title == "向阳区逾期未回迁安置项目台账（2026年10月）" and parsed.header_row == 2
    assert parsed.row_numbers == [3, 4, 5, 6, 7]  # the blank row and the notes are not data
    first = dict(zip(parsed.headers, parsed.rows[0], strict=True))
    assert first["project_code"] == "XY2019-001"
    assert first["contracted_return_date"] == "2019-11-30"  # an Excel date cell, not a serial number
    assert first["households_total"] == "3" and first["resettlement_area_m2"] == "12345.5"
    frame, findings = normalize(parsed)
    assert findings == []
    assert frame["resettlement_area_m2"].tolist() == [12345.5, 8650.0, 5120.75, 2300.0, 96.3]


def test_a_damaged_xls_gets_a_sentence_not_a_traceback(tmp_path):
    bad = tmp_path / "台账.xls"
    bad.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512)
    with pytest.raises(ParseError, match=r"\.xls"):
        read_sheets(bad)


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        ("项目编号\t本月新增安置户数\t累计安置户数\r\nXA2018-001\t0\t0\r\n", "\t"),
        ("项目编号,本月新增安置户数,累计安置户数\r\nXA2018-001,0,0\r\n", ","),
        ("项目编号,进展情况\r\nXA2018-001,完成\t1户\r\n", ","),  # a stray tab inside a comma file
        ("", ","),
    ],
)
def test_the_separator_is_sniffed_from_the_first_lines(head, expected):
    assert csv_delimiter(head) == expected


def test_a_tab_separated_csv_with_a_note_line_reads_like_a_comma_one(tmp_path):
    rows = ["项目编号\t本月新增安置户数\t累计安置户数\t进展情况", "XA2018-001\t0\t2\t配合公安, 开展清产核资", ""]
    path = tmp_path / "兴安区_月度进展.csv"
    path.write_bytes(("\r\n".join([*rows, "填报人：刘海波"]) + "\r\n").encode("gbk"))
    parsed = parse(path, candidates=("monthly_progress",))
    assert parsed.malformed_rows == []
    assert parsed.rows == [["XA2018-001", "0", "2", "配合公安, 开展清产核资"]]
    assert read_sheets(path)[0][1][1] == ["XA2018-001", "0", "2", "配合公安, 开展清产核资"]


@pytest.mark.parametrize(("value", "shown"), [(0.35, "35%"), (0.455, "45.5%"), (1, "100%"), (0, "0%")])
def test_a_percent_cell_reads_as_excel_shows_it(value, shown):
    assert percent_text(value) == shown


def _construction(path: Path, progress: list, number_format: str | None) -> Path:
    heads = [c.header_zh for c in contract("construction_status").columns]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(heads)
    for i, value in enumerate(progress):
        ws.append([f"XY2019-00{i + 1}", "91230400MA1AB2C3D8", None, None, "否", None, None, None, None, value])
        if number_format:
            ws.cell(i + 2, len(heads)).number_format = number_format
    wb.save(path)
    return path


def test_excel_percent_cells_are_rescaled_in_a_percent_column(tmp_path):
    path = _construction(tmp_path / "建设信息.xlsx", [0.455, 0.8, 1], "0.0%")
    assert has_percent_style(path)
    assert [row[-1] for row in read_xlsx(path)[0][1][1:]] == ["45.5%", "80%", "100%"]
    frame, findings = normalize(parse(path, candidates=("construction_status",)))
    assert frame["progress_pct"].tolist() == [45.5, 80.0, 100.0]
    assert not [f for f in findings if f.column == "形象进度(%)"]


def test_plain_numbers_in_a_workbook_without_percent_styles_are_left_alone(tmp_path):
    path = _construction(tmp_path / "建设信息.xlsx", [45.5, 80], None)
    assert not has_percent_style(path)
    frame, _ = normalize(parse(path, candidates=("construction_status",)))
    assert frame["progress_pct"].tolist() == [45.5, 80.0]


def test_a_percentage_is_refused_in_a_column_that_is_not_in_per_cent():
    percent = contract("construction_status").column("progress_pct")
    area = contract("project_ledger").column("resettlement_area_m2")
    assert percent.is_percent and not area.is_percent
    assert _convert(percent, "35%") == Decimal("35") and _convert(percent, "３５％") == Decimal("35")
    with pytest.raises(CellError):
        _convert(area, "35%")


def test_percent_cells_are_found_on_the_right_sheet_and_text_is_left_alone(tmp_path):
    from resettle.intake.xlsx_reader import percent_cells

    wb = openpyxl.Workbook()
    intro = wb.active
    intro.title = "说明"
    intro["A1"] = "形象进度按百分比填写"
    data = wb.create_sheet("项目建设信息")
    data.append(["项目编号", "形象进度(%)", "备注"])
    data.append(["XY2019-001", 0.455, "50%以上"])
    data.append(["XY2020-003", 0.8, None])
    for ref in ("B2", "B3", "C2"):
        data[ref].number_format = "0.0%"
    path = tmp_path / "建设信息.xlsx"
    wb.save(path)
    assert percent_cells(path) == {"说明": set(), "项目建设信息": {(1, 1), (2, 1), (1, 2)}}
    sheets = dict(read_xlsx(path))
    assert sheets["项目建设信息"][1] == ["XY2019-001", "45.5%", "50%以上"], "a text cell stays as typed"
    assert sheets["说明"] == [["形象进度按百分比填写"]]


def test_a_line_with_another_number_of_fields_deep_in_a_large_csv_is_named_by_its_line(tmp_path):
    """A large file's body is read by Arrow block by block; the line it sets aside is still named by its number
    in the file (Arrow numbers such lines only when it reads on one thread)."""
    header = [col.header_zh for col in contract("tax_status").columns]
    row = ",".join("1" for _ in header)
    lines = [",".join(header), *[row] * 300_000]
    lines[200_000] = row + ",多出的字段"
    path = tmp_path / "市税务局企业涉税状态202610.csv"
    path.write_text("\n".join(lines) + "\n", encoding="gb18030")
    parsed = parse(path)
    assert parsed.malformed_rows == [200_001]
    assert len(parsed.frame) == 299_999
