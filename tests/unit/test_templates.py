"""Templates clerks fill in: the headers, drop-downs and formats the contracts call for, read back by the intake.

Expectations are spelled out from the contracts and the reference data, not from the template module, so a
template that drifts from its contract fails here; the round trip fills templates the way Excel stores what
a clerk types, then runs the real parser and normalizer on them.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import cache
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from resettle.domain.config import DEPARTMENTS, DISTRICTS, SOURCES
from resettle.domain.contracts import Column, contract, datasets_for
from resettle.domain.identifiers import id_check_char, uscc_check_char
from resettle.domain.reference import districts, sources
from resettle.intake.normalize import normalize
from resettle.intake.parse import detect_dataset, parse
from resettle.reporting.templates import INLINE_LIST_LIMIT, LISTS_SHEET, _list_formula, write_template, write_templates

PERIOD = "2026-10"
FIRST_ROW, LAST_ROW = 3, 2002
CODED = ("enum", "yes_no", "district", "disposal_category")
DISPOSAL_LABELS = ["自愿放弃", "继续建设", "主体灭失", "不配合", "正常在建"]
TYPE_WORDS = {
    "text": "文本",
    "code": "编号",
    "integer": "整数",
    "decimal": "数值",
    "date": "日期",
    "enum": "下拉选择",
    "yes_no": "是否",
    "id_number": "身份证号",
    "uscc": "统一社会信用代码",
    "phone": "电话",
    "period": "所属期",
    "district": "下拉选择",
    "disposal_category": "下拉选择",
}


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> dict[str, list[Path]]:
    out = tmp_path_factory.mktemp("templates")
    return {source: write_templates(source, PERIOD, out / source) for source in SOURCES}


@cache
def _open(path: Path) -> openpyxl.Workbook:
    return openpyxl.load_workbook(path)


def _templates(written) -> list[tuple[str, str, Path]]:
    return [(s, d, p) for s, paths in written.items() for d, p in zip(datasets_for(s), paths, strict=True)]


def _expected_choices(column: Column) -> list[str]:
    if column.type == "enum":
        return list(column.allowed)
    if column.type == "yes_no":
        return ["是", "否"]
    if column.type == "district":
        return [d.name_zh for d in districts().values()]
    return DISPOSAL_LABELS


def _list_values(wb: openpyxl.Workbook, formula: str) -> list[str]:
    if formula.startswith('"'):
        return formula.strip('"').split(",")
    sheet, ref = formula.rsplit("!", 1)
    cells = wb[sheet.strip("'")][ref.replace("$", "")]
    return [row[0].value for row in cells]


def _is_code(column: Column) -> bool:
    return column.type in ("code", "id_number", "uscc", "phone", "period") or (
        column.type == "text" and column.pattern is not None
    )


# ----- files ---------------------------------------------------------------------------------------------------


def test_each_source_gets_one_template_per_dataset_it_must_send(written):
    assert set(written) == set(SOURCES)
    for source, paths in written.items():
        assert len(paths) == len(datasets_for(source))
        assert [detect_dataset(p.name) for p in paths] == list(datasets_for(source))
        for path in paths:
            assert path.is_file() and path.suffix == ".xlsx"
            assert path.name.startswith(sources()[source].name_zh) and "2026年10月" in path.name


def test_same_source_and_period_give_identical_bytes(tmp_path):
    first = write_templates("xiangyang", PERIOD, tmp_path / "a")
    second = write_templates("xiangyang", PERIOD, tmp_path / "b")
    assert [p.name for p in first] == [p.name for p in second]
    assert all(a.read_bytes() == b.read_bytes() for a, b in zip(first, second, strict=True))


def test_a_malformed_period_or_unknown_source_is_refused(tmp_path):
    with pytest.raises(ValueError):
        write_templates("xiangyang", "2026-13", tmp_path)
    with pytest.raises(KeyError):
        write_templates("nowhere", PERIOD, tmp_path)
    assert not list(tmp_path.iterdir())


# ----- the data sheet ------------------------------------------------------------------------------------------


def test_district_title_names_the_district_the_ledger_and_the_month(written):
    path = written["xiangyang"][0]
    assert path.name == "向阳区项目台账模板（2026年10月）.xlsx"
    ws = _open(path).worksheets[0]
    assert ws["A1"].value == "向阳区逾期未回迁安置项目台账（2026年10月）"
    assert ws.title == "项目台账"


def test_department_title_names_the_department(written):
    ws = _open(written["housing_bureau"][0]).worksheets[0]
    assert ws["A1"].value == "市住建局项目建设信息（2026年10月）"


def test_data_sheet_has_a_merged_title_and_exactly_the_contract_headers(written):
    for source, dataset, path in _templates(written):
        c = contract(dataset)
        ws = _open(path).worksheets[0]
        last = openpyxl.utils.get_column_letter(len(c.columns))
        assert ws["A1"].value == f"{sources()[source].name_zh}{c.title_zh}（2026年10月）"
        assert ws["A1"].font.b and ws["A1"].alignment.horizontal == "center"
        assert f"A1:{last}1" in {str(r) for r in ws.merged_cells.ranges}
        headers = [cell.value for cell in ws[2]]
        assert headers == [col.header_zh for col in c.columns], path.name
        assert ws.freeze_panes == "A3"
        assert ws.max_column == len(c.columns)


def test_headers_are_bold_required_ones_red_and_each_carries_its_description(written):
    for _, dataset, path in _templates(written):
        ws = _open(path).worksheets[0]
        for j, col in enumerate(contract(dataset).columns, start=1):
            cell = ws.cell(2, j)
            assert cell.font.b
            red = cell.font.color is not None and cell.font.color.rgb == "00C00000"
            assert red == col.not_null, (path.name, col.name)
            assert cell.comment is not None and col.description_zh in cell.comment.text
            assert ("必填" in cell.comment.text.splitlines()) == col.not_null
            for value in _expected_choices(col) if col.type in CODED else ():
                assert value in cell.comment.text


def test_coded_columns_offer_exactly_their_allowed_values(written):
    for _, dataset, path in _templates(written):
        wb = _open(path)
        ws = wb.worksheets[0]
        lists = [dv for dv in ws.data_validations.dataValidation if dv.type == "list"]
        for j, col in enumerate(contract(dataset).columns, start=1):
            letter = openpyxl.utils.get_column_letter(j)
            covering = [dv for dv in lists if f"{letter}{FIRST_ROW}" in dv.sqref and f"{letter}{LAST_ROW}" in dv.sqref]
            if col.type not in CODED:
                assert not covering, (path.name, col.name)
                continue
            assert len(covering) == 1, (path.name, col.name)
            dv = covering[0]
            assert _list_values(wb, dv.formula1) == _expected_choices(col), (path.name, col.name)
            assert dv.allow_blank and dv.showErrorMessage and not dv.showDropDown  # showDropDown=1 hides the arrow


def test_project_ledger_lists_are_inline_in_excel_syntax(written):
    ws = _open(written["xiangyang"][0]).worksheets[0]
    formulas = {str(dv.sqref): dv.formula1 for dv in ws.data_validations.dataValidation}
    assert formulas[f"C{FIRST_ROW}:C{LAST_ROW}"] == '"泰山区,兴安区,向阳区,工农区,南山区,兴山区"'
    assert formulas[f"G{FIRST_ROW}:G{LAST_ROW}"] == '"自愿放弃,继续建设,主体灭失,不配合,正常在建"'


def test_every_district_and_disposal_choice_is_one_the_normalizer_accepts(tmp_path):
    c = contract("housing_units")
    path = write_template("housing_center", "housing_units", PERIOD, tmp_path)
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    names = [d.name_zh for d in districts().values()]
    for i, name in enumerate(names):
        for j, col in enumerate(c.columns, start=1):
            ws.cell(FIRST_ROW + i, j, name if col.type == "district" else _valid("housing_units", col, i, j)[0])
    wb.save(path)
    frame, findings = normalize(parse(path))
    assert findings == []
    assert frame["district"].tolist() == list(districts())

    ledger = contract("project_ledger")
    path = write_template("xiangyang", "project_ledger", PERIOD, tmp_path)
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    for i, label in enumerate(DISPOSAL_LABELS):
        for j, col in enumerate(ledger.columns, start=1):
            value = label if col.type == "disposal_category" else _valid("project_ledger", col, i, j)[0]
            ws.cell(FIRST_ROW + i, j, value)
    wb.save(path)
    frame, findings = normalize(parse(path))
    assert findings == []
    assert frame["disposal_category"].tolist() == [1, 2, 3, 4, 5]


def test_numbers_and_dates_out_of_range_are_stopped_at_entry(written):
    ws = _open(written["xiangyang"][0]).worksheets[0]  # project_ledger
    by_range = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    households = by_range[f"J{FIRST_ROW}:J{LAST_ROW}"]
    assert (households.type, households.operator, households.formula1, households.formula2) == (
        "whole",
        "between",
        "0",
        "100000",
    )
    returned = by_range[f"H{FIRST_ROW}:H{LAST_ROW}"]
    assert (returned.type, returned.formula1, returned.formula2) == ("date", "DATE(1995,1,1)", "DATE(2035,12,31)")


def test_identifier_and_code_columns_are_text_so_excel_keeps_every_digit(written):
    for _, dataset, path in _templates(written):
        ws = _open(path).worksheets[0]
        for j, col in enumerate(contract(dataset).columns, start=1):
            formats = {ws.cell(row, j).number_format for row in (FIRST_ROW, 1000, LAST_ROW)}
            if _is_code(col):
                assert formats == {"@"}, (path.name, col.name)
            elif col.type == "date":
                assert formats == {"yyyy-mm-dd"}, (path.name, col.name)
            elif col.type in ("integer", "decimal"):
                assert len(formats) == 1 and formats != {"@"} and formats != {"General"}, (path.name, col.name)


def test_long_choice_lists_go_to_a_hidden_sheet():
    wb = openpyxl.Workbook()
    values = tuple(f"选项{i:03d}" for i in range(80))
    short = ("是", "否")
    assert _list_formula(wb, short) == '"是,否"'
    formula = _list_formula(wb, values)
    assert len('"' + ",".join(values) + '"') > INLINE_LIST_LIMIT
    assert not formula.startswith('"')
    assert wb[LISTS_SHEET].sheet_state == "hidden"
    assert _list_values(wb, formula) == list(values)
    with_comma = _list_formula(wb, ("甲,乙", "丙"))
    assert _list_values(wb, with_comma) == ["甲,乙", "丙"]


# ----- the explanation sheet -----------------------------------------------------------------------------------


def test_explanation_sheet_lists_every_column_rule_deadline_and_folder(written):
    for source, dataset, path in _templates(written):
        c = contract(dataset)
        wb = _open(path)
        assert wb.sheetnames[1] == "填表说明"
        rows = [[cell for cell in row] for row in wb["填表说明"].iter_rows(values_only=True)]
        start = next(i for i, row in enumerate(rows) if row[0] == "列名")
        assert rows[start][:5] == ["列名", "是否必填", "类型", "可选值或格式", "说明"]
        table = rows[start + 1 : start + 1 + len(c.columns)]
        assert [r[0] for r in table] == [col.header_zh for col in c.columns]
        assert [r[1] for r in table] == ["是" if col.not_null else "否" for col in c.columns]
        assert [r[2] for r in table] == [TYPE_WORDS[col.type] for col in c.columns]
        assert [r[4] for r in table] == [col.description_zh for col in c.columns]
        for row, col in zip(table, c.columns, strict=True):
            if col.type in CODED:
                assert row[3] == "、".join(_expected_choices(col))
        text = "\n".join(str(v) for row in rows[start + 1 + len(c.columns) :] for v in row if v)
        assert "校验规则" in text
        for rule in c.rules:
            assert rule.message_zh in text
        assert "25日前" in text and f"{source}/{PERIOD}/" in text


# ----- round trip through the intake ---------------------------------------------------------------------------

ROUND_TRIPS = [("xiangyang", d) for d in datasets_for("xiangyang")] + [
    (s, d) for s in DEPARTMENTS for d in datasets_for(s)
]
START = dt.date(2020, 6, 1)
# Values a rule ties to another column; everything else follows from the column's type.
GIVEN = {
    ("project_ledger", "households_total"): 40,
    ("project_ledger", "households_unresettled"): 12,
    ("monthly_progress", "resettled_this_month"): 3,
    ("monthly_progress", "resettled_cumulative"): 25,
}


def _valid(dataset: str, col: Column, i: int, j: int) -> tuple[object, object]:
    """(what a clerk's Excel stores in the cell, what the normalizer should make of it) for row i, column j."""
    if (dataset, col.name) in GIVEN:
        value = GIVEN[dataset, col.name]
        return value, value
    by_name = {
        "project_code": f"XY2019-{i + 1:03d}",
        "household_code": f"XY2019-001-{i + 1:04d}",
        "unit_code": f"FY-XY-{i + 1:05d}",
        "case_no": f"（2020）黑04民初{123 + i}号" if dataset == "court_cases" else f"A{2304020000002020000123 + i}",
    }
    if col.name in by_name:
        value = by_name[col.name]
        return value, value if col.pattern is None else value.replace("（", "(").replace("）", ")")
    if col.type == "text":
        return f"{col.header_zh}{i + 1}", f"{col.header_zh}{i + 1}"
    if col.type == "integer":
        return 10 + i, 10 + i
    if col.type == "decimal":
        return 88.5 + i, 88.5 + i
    if col.type == "date":
        day = START + dt.timedelta(days=30 * j + i)
        return day, pd.Timestamp(day)
    if col.type == "enum":
        return col.allowed[0], col.allowed[0]
    if col.type == "yes_no":
        return "是", True
    if col.type == "id_number":
        first17 = f"23040219800101{123 + i:03d}"
        return first17 + id_check_char(first17), first17 + id_check_char(first17)
    if col.type == "uscc":
        first17 = f"91230402MA1B2C3D{i}"
        return first17 + uscc_check_char(first17), first17 + uscc_check_char(first17)
    if col.type == "phone":
        return ("13904681234", "13904681234") if i == 0 else ("0468-3456789", "0468-3456789")
    if col.type == "period":
        return PERIOD, PERIOD
    if col.type == "district":
        return "向阳区", "xiangyang"
    assert col.type == "disposal_category"
    return "继续建设", 2


@pytest.mark.parametrize(("source", "dataset"), ROUND_TRIPS, ids=[d for _, d in ROUND_TRIPS])
def test_a_filled_template_is_read_back_with_no_findings(tmp_path, source, dataset):
    c = contract(dataset)
    path = write_template(source, dataset, PERIOD, tmp_path)
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    expected = []
    for i in range(2):
        row = {}
        for j, col in enumerate(c.columns, start=1):
            stored, typed = _valid(dataset, col, i, j)
            ws.cell(FIRST_ROW + i, j, stored)
            row[col.name] = typed
        expected.append(row)
    wb.save(path)

    parsed = parse(path)
    frame, findings = normalize(parsed)

    assert parsed.dataset == dataset
    assert parsed.sheet == ws.title and parsed.header_row == 2
    assert parsed.title == f"{sources()[source].name_zh}{c.title_zh}（2026年10月）"
    assert parsed.row_numbers == [FIRST_ROW, FIRST_ROW + 1]  # nothing from 填表说明 or the drop-down lists
    assert parsed.extra_headers == [] and parsed.missing_columns == []
    assert findings == []
    problems = frame[[name for name in frame.columns if name.startswith("_problem__")]]
    assert problems.isna().all().all(), problems.to_dict("records")
    for i, row in enumerate(expected):
        for name, value in row.items():
            got = frame.at[i, name]
            if isinstance(value, float):
                assert got == pytest.approx(value), name
            else:
                assert got == value, (name, got, value)
    for rule in c.rules:
        assert frame.eval(rule.check).all(), rule.name
    for col in c.columns:
        if col.pattern:
            assert frame[col.name].map(lambda v, p=col.pattern: bool(re.match(p, v))).all(), col.name


def test_an_id_number_typed_into_the_template_keeps_all_18_characters(tmp_path):
    path = write_template("xiangyang", "household_roster", PERIOD, tmp_path)
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    first17 = "23040219800101123"
    ws["D3"] = first17 + id_check_char(first17)
    wb.save(path)
    cell = openpyxl.load_workbook(path).worksheets[0]["D3"]
    assert (cell.value, cell.data_type, cell.number_format) == (first17 + id_check_char(first17), "s", "@")


def test_every_district_template_checks_against_its_own_title(written):
    for source in DISTRICTS:
        for path in written[source]:
            title = _open(path).worksheets[0]["A1"].value
            named = [d.name_zh for d in districts().values() if d.name_zh in title]
            assert named == [districts()[source].name_zh]
