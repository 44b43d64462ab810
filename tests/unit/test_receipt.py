"""The receipt points a clerk at the exact cell of their own file, in Chinese, whatever they sent."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest

from resettle.domain.findings import Finding
from resettle.intake import receipt
from resettle.intake.receipt import (
    ANNOTATED_SHEET,
    ERROR_COLOR,
    RECEIPT_SHEET,
    UNREADABLE_NOTE,
    WARNING_COLOR,
    receipt_path,
    write_receipt,
)

RECEIVED = dt.datetime(2026, 10, 20, 6, 31, 5, tzinfo=dt.UTC)  # 14:31 in Hegang
TITLE = "向阳区逾期未回迁安置居民台账（2026年9月）"
HEADERS = ["户编号", "项目编号", "户主姓名", "身份证号", "联系电话", "居民类型", "约定面积(㎡)", "合同签订日期"]
BAD_ID = "230404198001011235"


def _roster_xlsx(path: Path) -> Path:
    """A household roster as offices send it: an instructions sheet first, then the data sheet with a merged
    title row, the header in row 2, text ID numbers, a date cell and a notes row below the data."""
    wb = openpyxl.Workbook()
    wb.active.title = "填表说明"
    wb.active["A1"] = "身份证号请设置为文本格式"
    ws = wb.create_sheet("居民台账")
    ws["A1"] = TITLE
    ws.merge_cells("A1:H1")
    ws.append(HEADERS)
    ws.append(
        [
            "XY2019-001-0001",
            "XY2019-001",
            "张三",
            "230404198001011234",
            "13845671234",
            "被动迁移",
            85.5,
            dt.datetime(2019, 11, 11),
        ]
    )
    ws.append(["XY2019-001-0002", "XY2019-001", "李四", None, "04683331234", "现金购房", 60, "2019/11/12"])
    ws.append(["XY2019-001-0003", "XY2019-001", "王五", BAD_ID, None, "被动迁", 850, None])
    ws.append(["填报说明：本表由区住建局填报"])
    wb.save(path)
    return path


ROSTER_FINDINGS = [
    Finding(5, "约定面积(㎡)", "850", "约定面积超过常见范围，请核实", "warning", "range"),
    Finding(5, "身份证号", BAD_ID, "身份证号校验位不正确", "error", "id_number"),
    Finding(1, None, TITLE, "表格标题写的是2026年9月，但报送期为2026年10月，请确认月份", "warning", "title_period"),
    Finding(4, "身份证号", None, "身份证号不能为空", "error", "not_null"),
    Finding(4, "安置日期", None, "已安置的居民须填写安置日期", "error", "rule:resettled_needs_date"),
    Finding(3, "居民类型", "被动迁移", "只能填写：被动迁、现金购房", "error", "allowed"),
    Finding(None, "信访情况", None, "缺少必填列“信访情况”", "error", "column_exists"),
    Finding(5, "身份证号", BAD_ID, "与第3行为同一人，请核实", "warning", "duplicate"),
]


def _write(tmp_path: Path, original: Path, findings: list[Finding], **overrides) -> Path:
    args = dict(
        source="xiangyang",
        period="2026-10",
        file_name=original.name,
        dataset="household_roster",
        status="rejected",
        submission_id=42,
        received_at=RECEIVED,
        findings=findings,
        original=original,
        sheet="居民台账",
        header_row=2,
        message_zh="“逾期未回迁安置居民台账”未通过校验，已退回。",
    )
    args.update(overrides)
    return write_receipt(tmp_path / "outbox", **args)


def _table(path: Path) -> list[tuple]:
    ws = openpyxl.load_workbook(path)[RECEIPT_SHEET]
    rows = list(ws.iter_rows(values_only=True))
    start = next(i for i, row in enumerate(rows) if row[0] == "序号")
    assert rows[start] == ("序号", "行号", "列名", "填写的值", "问题说明", "级别")
    return [row[1:] for row in rows[start + 1 :]]


def _header_block(path: Path) -> dict[str, str]:
    ws = openpyxl.load_workbook(path)[RECEIPT_SHEET]
    block = {}
    for label, value, *_ in ws.iter_rows(min_row=2, max_row=12, values_only=True):
        if label:
            block[label] = value
    return block


def _header_lines(path: Path, expected: dict[str, str]) -> dict[str, str | None]:
    """The header lines the test names (None where the receipt lacks one), to compare with `expected` at once."""
    block = _header_block(path)
    return {label: block.get(label) for label in expected}


def _filled(ws) -> dict[str, str]:
    return {c.coordinate: c.fill.fgColor.rgb for row in ws.iter_rows() for c in row if c.fill.fill_type == "solid"}


def test_receipt_lists_every_finding_errors_first_then_warnings_each_by_row(tmp_path):
    path = _write(tmp_path, _roster_xlsx(tmp_path / "向阳区居民台账.xlsx"), ROSTER_FINDINGS)

    assert _table(path) == [
        (None, "信访情况", None, "缺少必填列“信访情况”", "错误"),
        (3, "居民类型", "被动迁移", "只能填写：被动迁、现金购房", "错误"),
        (4, "身份证号", None, "身份证号不能为空", "错误"),
        (4, "安置日期", None, "已安置的居民须填写安置日期", "错误"),
        (5, "身份证号", BAD_ID, "身份证号校验位不正确", "错误"),
        (1, None, TITLE, "表格标题写的是2026年9月，但报送期为2026年10月，请确认月份", "提示"),
        (5, "约定面积(㎡)", "850", "约定面积超过常见范围，请核实", "提示"),
        (5, "身份证号", BAD_ID, "与第3行为同一人，请核实", "提示"),
    ]


def test_receipt_header_says_who_when_what_and_what_to_do_in_chinese(tmp_path):
    path = _write(tmp_path, _roster_xlsx(tmp_path / "向阳区居民台账.xlsx"), ROSTER_FINDINGS)

    expected = {
        "报送单位": "向阳区",
        "报送期": "2026年10月",
        "文件名": "向阳区居民台账.xlsx",
        "数据类型": "逾期未回迁安置居民台账",
        "接收时间": "2026-10-20 14:31",
        "处理结果": "已退回",
        "说明": "“逾期未回迁安置居民台账”未通过校验，已退回。",
        "问题数量": "错误 5 处 / 提示 3 处",
        "下一步": "请按下表逐条修改后，将整个文件重新报送到原文件夹；修改后的文件会自动替换本次报送。",
    }
    assert _header_lines(path, expected) == expected
    assert "原表标注" in _header_block(path)["标注副本"]
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == [RECEIPT_SHEET, ANNOTATED_SHEET]


def test_warned_file_is_reported_as_accepted_with_a_request_to_check(tmp_path):
    warning = Finding(3, "约定面积(㎡)", "85.5", "面积与上月不一致，请核实", "warning", "range")
    path = _write(
        tmp_path,
        _roster_xlsx(tmp_path / "居民台账.xlsx"),
        [warning],
        status="accepted_with_warnings",
        source="court",
        dataset=None,
    )

    expected = {
        "报送单位": "市中级人民法院",
        "数据类型": "未能识别",
        "处理结果": "已接收（有提示）",
        "问题数量": "错误 0 处 / 提示 1 处",
        "下一步": "数据已入库，请核实下列提示，如有错误请更正后重新报送。",
    }
    assert _header_lines(path, expected) == expected
    assert _table(path) == [(3, "约定面积(㎡)", "85.5", "面积与上月不一致，请核实", "提示")]


def test_receipt_table_has_a_frozen_header_and_a_filter(tmp_path):
    path = _write(tmp_path, _roster_xlsx(tmp_path / "居民台账.xlsx"), ROSTER_FINDINGS)

    ws = openpyxl.load_workbook(path)[RECEIPT_SHEET]
    header_row = next(c.row for c in ws["A"] if c.value == "序号")
    assert ws.freeze_panes == f"A{header_row + 1}"
    assert ws.auto_filter.ref == f"A{header_row}:F{header_row + len(ROSTER_FINDINGS)}"
    assert ws.column_dimensions["E"].width >= 40
    assert ws.cell(header_row + 1, 5).alignment.wrap_text


def test_annotated_copy_marks_exactly_the_finding_cells_red_or_yellow_with_comments(tmp_path):
    path = _write(tmp_path, _roster_xlsx(tmp_path / "居民台账.xlsx"), ROSTER_FINDINGS)

    ws = openpyxl.load_workbook(path)[ANNOTATED_SHEET]
    assert _filled(ws) == {
        "A1": WARNING_COLOR,  # the title row, no column: first cell of the row
        "F3": ERROR_COLOR,
        "D4": ERROR_COLOR,
        "A4": ERROR_COLOR,  # 安置日期 is not in the file: first cell of the row
        "D5": ERROR_COLOR,  # an error and a warning on one cell: the error wins
        "G5": WARNING_COLOR,
    }
    assert ws["F3"].comment.text == "错误：只能填写：被动迁、现金购房"
    assert ws["D5"].comment.text == "错误：身份证号校验位不正确\n提示：与第3行为同一人，请核实"
    assert ws["A4"].comment.text == "错误（“安置日期”列）：已安置的居民须填写安置日期"
    assert ws["A1"].comment.text.startswith("提示：表格标题写的是2026年9月")
    commented = {c.coordinate for row in ws.iter_rows() for c in row if c.comment}
    assert commented == set(_filled(ws))


def test_annotated_copy_keeps_the_clerks_values_at_the_same_cells(tmp_path):
    original = _roster_xlsx(tmp_path / "居民台账.xlsx")
    path = _write(tmp_path, original, ROSTER_FINDINGS)

    source = openpyxl.load_workbook(original)["居民台账"]
    copy = openpyxl.load_workbook(path)[ANNOTATED_SHEET]
    assert copy.max_row == source.max_row == 6
    for row in source.iter_rows():
        for cell in row:
            assert copy[cell.coordinate].value == cell.value, cell.coordinate
    assert copy.cell(5, 4).value == BAD_ID
    assert copy.cell(5, 4).data_type == "s"  # still text, never a number that loses digits
    assert copy["H3"].value == dt.datetime(2019, 11, 11)
    assert copy["A6"].value == "填报说明：本表由区住建局填报"
    assert copy.freeze_panes == "A3"
    assert copy.column_dimensions["A"].width < 40  # sized to the data, not to the merged title


def test_without_a_sheet_name_the_first_sheet_is_copied(tmp_path):
    path = _write(tmp_path, _roster_xlsx(tmp_path / "居民台账.xlsx"), [], sheet=None, header_row=None)

    assert openpyxl.load_workbook(path)[ANNOTATED_SHEET]["A1"].value == "身份证号请设置为文本格式"


def test_csv_line_numbers_are_the_rows_of_the_annotated_copy(tmp_path):
    original = tmp_path / "向阳区项目台账.csv"
    lines = [
        "向阳区逾期未回迁安置项目台账（2026年10月）,,,",
        "项目编号,项目名称,所属区,开发企业统一社会信用代码",
        "XY2019-001,幸福家园,向阳区,91230404MA1234567X",
        "XY2019-002,阳光\x07小区,向阳区,9123040",
        "=1+1,=和平里,向阳区,#N/A",
    ]
    original.write_bytes(("\r\n".join(lines) + "\r\n").encode("gbk"))
    findings = [
        Finding(4, "开发企业统一社会信用代码", "9123040", "统一社会信用代码应为18位", "error", "uscc"),
        Finding(5, "项目编号", "=1+1", "项目编号格式应如 XY2019-001", "error", "type"),
    ]
    path = _write(tmp_path, original, findings, dataset="project_ledger", sheet=None, header_row=2)

    ws = openpyxl.load_workbook(path)[ANNOTATED_SHEET]
    assert _filled(ws) == {"D4": ERROR_COLOR, "A5": ERROR_COLOR}
    assert ws["D4"].value == "9123040"
    assert ws["D4"].comment.text == "错误：统一社会信用代码应为18位"
    assert ws["A1"].value == "向阳区逾期未回迁安置项目台账（2026年10月）"
    assert ws["B3"].value == "幸福家园"
    assert ws["D3"].value == "91230404MA1234567X"
    assert ws["A5"].value == "=1+1" and ws["A5"].data_type == "s"  # a clerk's text is not run as a formula
    assert ws["B5"].value == "=和平里" and ws["B5"].data_type == "s"
    assert ws["D5"].value == "#N/A" and ws["D5"].data_type == "s"
    assert ws["B4"].value == "阳光小区"  # a control character Excel refuses is dropped, not fatal
    assert ws.max_row == 5
    assert _table(path)[0] == (4, "开发企业统一社会信用代码", "9123040", "统一社会信用代码应为18位", "错误")


@pytest.mark.parametrize(
    "name, content",
    [
        ("台账.xlsx", b"this is not a zip archive at all"),
        ("台账.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512),
        ("台账.csv", b"\xff\xfe\x00\x81\x30\x81\xff" * 3),
    ],
)
def test_unreadable_original_still_gets_a_receipt_with_a_note(tmp_path, name, content):
    original = tmp_path / name
    original.write_bytes(content)
    problem = Finding(None, None, None, "无法读取该Excel文件，请另存为 .xlsx 格式后重新报送", check="unreadable")
    path = _write(tmp_path, original, [problem], dataset=None, sheet=None, header_row=None)

    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == [RECEIPT_SHEET]
    assert _header_block(path)["标注副本"] == UNREADABLE_NOTE
    assert _table(path) == [(None, None, None, "无法读取该Excel文件，请另存为 .xlsx 格式后重新报送", "错误")]


def test_a_huge_file_is_copied_up_to_the_cap_and_the_receipt_says_so(tmp_path, monkeypatch):
    monkeypatch.setattr(receipt, "MAX_COPY_ROWS", 4)
    path = _write(tmp_path, _roster_xlsx(tmp_path / "居民台账.xlsx"), ROSTER_FINDINGS)

    ws = openpyxl.load_workbook(path)[ANNOTATED_SHEET]
    assert ws.max_row == 4
    assert "G5" not in _filled(ws)
    assert "原文件超过4行" in _header_block(path)["标注副本"]
    assert len(_table(path)) == len(ROSTER_FINDINGS)


def test_receipt_is_under_outbox_source_period_and_named_after_the_clerks_file(tmp_path):
    path = _write(tmp_path, _roster_xlsx(tmp_path / "向阳区居民台账.xlsx"), ROSTER_FINDINGS)

    assert path == tmp_path / "outbox" / "xiangyang" / "2026-10" / "向阳区居民台账_回执_42.xlsx"
    assert path.is_file()
    assert path == receipt_path(tmp_path / "outbox", "xiangyang", "2026-10", "向阳区居民台账.xlsx", 42)
    assert not [p for p in path.parent.iterdir() if p != path]  # no temporary files left behind


@pytest.mark.parametrize(
    "file_name, expected",
    [
        ("../../etc/向阳区 居民台账.xlsx", "向阳区 居民台账_回执_7.xlsx"),
        ("C:\\Users\\clerk\\台账:10月?.csv", "台账_10月_回执_7.xlsx"),
        ("..", "文件_回执_7.xlsx"),
        ("居民台账" * 40 + ".xlsx", "居民台账" * 12 + "居民_回执_7.xlsx"),
    ],
)
def test_receipt_file_name_cannot_escape_the_period_folder(tmp_path, file_name, expected):
    path = receipt_path(tmp_path, "xiangyang", "2026-10", file_name, 7)
    assert path.parent == tmp_path / "xiangyang" / "2026-10"
    assert path.name == expected


@pytest.mark.parametrize(
    "source, period", [("../xiangyang", "2026-10"), ("xiangyang", "2026-13"), ("xiangyang", "../2026-10")]
)
def test_receipt_path_refuses_folders_that_are_not_a_source_and_period(tmp_path, source, period):
    with pytest.raises(ValueError):
        receipt_path(tmp_path, source, period, "台账.xlsx", 1)


def test_same_inputs_give_the_same_bytes(tmp_path):
    original = _roster_xlsx(tmp_path / "居民台账.xlsx")
    first = _write(tmp_path / "a", original, ROSTER_FINDINGS).read_bytes()
    second = _write(tmp_path / "b", original, ROSTER_FINDINGS).read_bytes()
    assert first == second
    props = openpyxl.load_workbook(_write(tmp_path / "c", original, ROSTER_FINDINGS)).properties
    assert props.created == props.modified == dt.datetime(2026, 10, 20, 6, 31, 5)
