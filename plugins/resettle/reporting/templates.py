"""Blank workbooks a clerk fills in, one per dataset a source must send, derived from the dataset contracts.

A clerk who starts from the template cannot misspell a header, cannot type an ID number into a cell that
Excel turns into a float, and picks coded values (区名, 是/否, 处置类别, enums) from a drop-down list, so most
of what the intake would reject is never written. Headers, drop-downs, formats and the explanation sheet all
come from `expectations/contracts/`, so a new column reaches the templates without touching this file.

The data sheet is laid out the way the parser reads it back: a merged title row naming the office and the
month, the contract's Chinese headers in row 2, data from row 3. Explanations live on a second sheet, never
below the data, so they cannot be mistaken for rows.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from resettle.domain import reference
from resettle.domain.column_types import column_type
from resettle.domain.contracts import Column, Contract, contract, datasets_for
from resettle.domain.periods import PERIOD_RE
from resettle.reporting.workbooks import stable_zip

# The short name in file and sheet names; each contains one of the contract's `file_keywords`, which is how
# the intake recognises a returned file (checked by the tests with `detect_dataset`).
SHORT_NAMES = {
    "project_ledger": "项目台账",
    "household_roster": "居民台账",
    "monthly_progress": "月度进展",
    "construction_status": "项目建设信息",
    "housing_units": "房源分配",
    "court_cases": "涉案信息",
    "police_cases": "涉案企业",
    "tax_status": "涉税状态",
    "property_certificates": "产权办理",
    "petition_cases": "信访件",
    "repayment_agreements": "偿还协议",
    "review_decisions": "联审会签记录",
    "supervision_items": "督办事项",
}

TITLE_ROW = 1
HEADER_ROW = 2
FIRST_DATA_ROW = 3
LAST_DATA_ROW = 2002
INSTRUCTIONS_SHEET = "填表说明"
LISTS_SHEET = "下拉选项"
INLINE_LIST_LIMIT = 255  # Excel refuses an inline list formula longer than this


_AUTHOR = "鹤岗市逾期未回迁安置工作领导小组办公室"
_BOLD = Font(bold=True)
_REQUIRED = Font(bold=True, color="C00000")
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_THIN = Side(style="thin", color="808080")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_CENTRE = Alignment(horizontal="center", vertical="center", wrap_text=True)
_WRAP = Alignment(vertical="top", wrap_text=True)


def _month(period: str) -> dt.date:
    if not PERIOD_RE.match(period):
        raise ValueError(f"period must be YYYY-MM, got {period!r}")
    return dt.date(int(period[:4]), int(period[5:]), 1)


def _month_zh(period: str) -> str:
    month = _month(period)
    return f"{month.year}年{month.month}月"


def office(source: str) -> str:
    """The source's Chinese name, as it heads its files: 向阳区, 市住建局, ..."""
    return reference.sources()[source].name_zh


def template_title(source: str, dataset: str, period: str) -> str:
    """The title row, e.g. 向阳区逾期未回迁安置项目台账（2026年10月）; the intake compares it with the folder."""
    return f"{office(source)}{contract(dataset).title_zh}（{_month_zh(period)}）"


def template_name(source: str, dataset: str, period: str) -> str:
    """The file name, e.g. 向阳区项目台账模板（2026年10月）.xlsx."""
    return f"{office(source)}{SHORT_NAMES[dataset]}模板（{_month_zh(period)}）.xlsx"


def choices(column: Column) -> tuple[str, ...]:
    """The values a column's drop-down offers; empty for a column typed freely."""
    return column_type(column.type).template_choices(column)


def is_code(column: Column) -> bool:
    """Identifiers and codes: kept as text so Excel never turns them into numbers or dates."""
    if column_type(column.type).typed_freely:
        return True
    return column.type == "text" and (column.pattern is not None or column.name.endswith(("_code", "_no")))


def _filled(column: Column) -> bool:
    """Whether a clerk must fill every cell of the column (the contract's `not_null`)."""
    return column.not_null


def _format_hint(source: str, column: Column) -> str:
    """What the 可选值或格式 cell says: the choices, or the form a value takes, and its range."""
    values = choices(column)
    if values:
        return "、".join(values)
    if column.type == "code":
        return "编号，按本单位台账填写，按文本录入；每月保持不变"
    if is_code(column) and column.type == "text":
        return "编码，按文本录入"
    hint = column_type(column.type).format_zh
    if column.type in ("integer", "decimal") and "%" in column.header_zh:
        hint = "填写数字，不带%号（如 50 表示50%）"
    bounds = _bounds_text(column)
    return f"{hint}，{bounds}" if hint and bounds else hint or bounds


def _bounds_text(column: Column) -> str:
    low, high = column.min, column.max
    if low is None and high is None:
        return ""
    if column.type == "date":
        if low is not None and high is not None:
            return f"{low} 至 {high} 之间"
        return f"不早于 {low}" if low is not None else f"不晚于 {high}"
    if low is not None and high is not None:
        return f"{_number(low)} 至 {_number(high)}"
    return f"不小于 {_number(low)}" if low is not None else f"不大于 {_number(high)}"


def _number(value: float | str) -> str:
    number = float(value)
    return str(int(number)) if number.is_integer() else str(number)


def _comment(source: str, column: Column) -> Comment:
    lines = [column.description_zh or column.header_zh, "必填" if _filled(column) else "选填（无则留空）"]
    values = choices(column)
    hint = _format_hint(source, column)
    if values:
        lines.append("可选值：" + hint + "（请从下拉列表选择）")
    elif hint:
        lines.append("格式：" + hint)
    comment = Comment("\n".join(lines), _AUTHOR)
    comment.width, comment.height = 260, 110
    return comment


def _display_width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def _width(column: Column) -> float:
    widest_choice = max((_display_width(v) for v in choices(column)), default=0)
    least = 16 if is_code(column) and column.type in ("text", "code") else column_type(column.type).min_width
    return max(10, _display_width(column.header_zh) + 4, widest_choice + 4, least)


def _list_formula(wb: Workbook, values: tuple[str, ...]) -> str:
    """A list validation's source: inline when Excel allows it, else a range on a hidden sheet."""
    inline = '"' + ",".join(values) + '"'
    if len(inline) <= INLINE_LIST_LIMIT and not any("," in v or '"' in v for v in values):
        return inline
    if LISTS_SHEET in wb.sheetnames:
        sheet = wb[LISTS_SHEET]
        col = sheet.max_column + 1
    else:
        sheet = wb.create_sheet(LISTS_SHEET)
        sheet.sheet_state = "hidden"
        col = 1
    for i, value in enumerate(values, start=1):
        sheet.cell(i, col, value).number_format = "@"
    letter = get_column_letter(col)
    return f"{quote_sheetname(sheet.title)}!${letter}$1:${letter}${len(values)}"


def _validation(wb: Workbook, column: Column) -> DataValidation | None:
    """A drop-down for coded columns; a range check for numbers and dates with bounds."""
    values = choices(column)
    if values:
        error = f"“{column.header_zh}”只能填写：{'、'.join(values)}"
        return _refusing("请从下拉列表选择", error, type="list", formula1=_list_formula(wb, values))
    low, high = column.min, column.max
    if column.type not in ("integer", "decimal", "date") or (low is None and high is None):
        return None
    if column.type == "date":
        low, high = (_excel_date(v) if v is not None else None for v in (low, high))
        kind = "date"
    else:
        low, high = (_number(v) if v is not None else None for v in (low, high))
        kind = "whole" if column.type == "integer" else "decimal"
    if low is not None and high is not None:
        operator, formula1, formula2 = "between", low, high
    elif low is not None:
        operator, formula1, formula2 = "greaterThanOrEqual", low, None
    else:
        operator, formula1, formula2 = "lessThanOrEqual", high, None
    noun = {"date": "日期", "whole": "整数", "decimal": "数字"}[kind]
    error = f"“{column.header_zh}”应填写{noun}，{_bounds_text(column)}"
    return _refusing("超出范围", error, type=kind, operator=operator, formula1=formula1, formula2=formula2)


def _refusing(title: str, error: str, **rule) -> DataValidation:
    """A validation that lets a cell stay blank and refuses a value breaking `rule` with this message (Excel
    shows at most 255 characters of it)."""
    return DataValidation(**rule, allow_blank=True, showErrorMessage=True, errorTitle=title, error=error[:255])


def _excel_date(value: float | str) -> str:
    day = dt.date.fromisoformat(str(value))
    return f"DATE({day.year},{day.month},{day.day})"


def _data_sheet(wb: Workbook, source: str, c: Contract, period: str) -> Worksheet:
    ws = wb.active
    ws.title = SHORT_NAMES[c.dataset]
    width = len(c.columns)
    last = get_column_letter(width)
    title = ws.cell(TITLE_ROW, 1, template_title(source, c.dataset, period))
    title.font = Font(bold=True, size=14)
    title.alignment = Alignment(horizontal="center", vertical="center")
    ws.merge_cells(f"A{TITLE_ROW}:{last}{TITLE_ROW}")
    ws.row_dimensions[TITLE_ROW].height = 30
    ws.row_dimensions[HEADER_ROW].height = 32
    for j, column in enumerate(c.columns, start=1):
        letter = get_column_letter(j)
        cell = ws.cell(HEADER_ROW, j, column.header_zh)
        cell.font = _REQUIRED if _filled(column) else _BOLD
        cell.fill = _HEADER_FILL
        cell.alignment = _CENTRE
        cell.border = _BOX
        cell.comment = _comment(source, column)
        ws.column_dimensions[letter].width = _width(column)
        number_format = "@" if is_code(column) else column_type(column.type).number_format
        if number_format:
            for row in range(FIRST_DATA_ROW, LAST_DATA_ROW + 1):
                ws.cell(row, j).number_format = number_format
        validation = _validation(wb, column)
        if validation is not None:
            validation.add(f"{letter}{FIRST_DATA_ROW}:{letter}{LAST_DATA_ROW}")
            ws.add_data_validation(validation)
    ws.freeze_panes = ws.cell(FIRST_DATA_ROW, 1)
    ws.page_setup.orientation = "landscape"
    return ws


def _instructions_sheet(wb: Workbook, source: str, c: Contract, period: str) -> Worksheet:
    ws = wb.create_sheet(INSTRUCTIONS_SHEET, 1)
    data_sheet = SHORT_NAMES[c.dataset]
    month = _month(period)
    rows: list[tuple[str, ...]] = [
        (f"{template_title(source, c.dataset, period)}填表说明",),
        (
            f"请在“{data_sheet}”工作表第{FIRST_DATA_ROW}行起逐行填写，每行一条记录。不要修改、增删或调换表头，"
            "不要合并单元格，不要在数据下方添加合计行。表头为红色的列必须填写；带下拉箭头的列请从列表中选择；"
            "编号、身份证号、信用代码等列已设为文本格式，请直接录入。",
        ),
        (),
        ("列名", "是否必填", "类型", "可选值或格式", "说明"),
    ]
    table_start = len(rows)
    for column in c.columns:
        rows.append(
            (
                column.header_zh,
                "是" if _filled(column) else "否",
                column_type(column.type).words_zh,
                _format_hint(source, column),
                column.description_zh,
            )
        )
    table_end = len(rows)
    due_day = reference.sources()[source].due_day
    key = "+".join(c.column(k).header_zh for k in c.key)
    rules = [f"“{key}”不能重复，每条记录只填一行", *(rule.message_zh for rule in c.rules)]
    rows += [(), ("校验规则",), *((f"{i}. {text}",) for i, text in enumerate(rules, start=1))]
    rows += [
        (),
        ("报送要求",),
        (
            f"请于每月{due_day}日前报送；本期（{_month_zh(period)}）请于{month.year}年{month.month}月"
            f"{due_day}日前报送。",
        ),
        (f"文件放入报送文件夹 {source}/{period}/ 中。",),
        (f"文件名须保留“{SHORT_NAMES[c.dataset]}”字样，系统据此识别数据类别；请保存为 .xlsx 格式。",),
    ]
    personal = [col.header_zh for col in c.columns if col.personal]
    if personal:
        rows.append((f"本表含个人信息（{'、'.join(personal)}），仅用于安置工作，请通过指定渠道报送，不得外传。",))
    for i, values in enumerate(rows, start=1):
        for j, value in enumerate(values, start=1):
            ws.cell(i, j, value).alignment = _WRAP
        if len(values) == 1:
            ws.merge_cells(start_row=i, start_column=1, end_row=i, end_column=5)
    ws.cell(1, 1).font = Font(bold=True, size=14)
    ws.row_dimensions[2].height = 48
    for j in range(1, 6):
        header = ws.cell(table_start, j)
        header.font, header.fill, header.border = _BOLD, _HEADER_FILL, _BOX
        for i in range(table_start + 1, table_end + 1):
            ws.cell(i, j).border = _BOX
    for i, values in enumerate(rows, start=1):
        if values in (("校验规则",), ("报送要求",)):
            ws.cell(i, 1).font = _BOLD
    for letter, width in zip("ABCDE", (26, 10, 16, 40, 40), strict=True):
        ws.column_dimensions[letter].width = width
    return ws


def write_template(source: str, dataset: str, period: str, out: Path) -> Path:
    """Write the template of one dataset for one source and month into `out`; returns the file's path."""
    c = contract(dataset)
    wb = Workbook()
    _data_sheet(wb, source, c, period)
    _instructions_sheet(wb, source, c, period)
    wb.active = 0
    stamp = dt.datetime.combine(_month(period), dt.time())
    wb.properties.creator = wb.properties.lastModifiedBy = _AUTHOR
    wb.properties.title = template_title(source, dataset, period)
    wb.properties.created = wb.properties.modified = stamp
    path = Path(out) / template_name(source, dataset, period)
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(wb, archive).write_data()  # not wb.save(), which stamps the current time
    path.write_bytes(stable_zip(raw.getvalue(), stamp))
    return path


def write_templates(source: str, period: str, out: Path) -> list[Path]:
    """Write one template per dataset the source must send for the period (`YYYY-MM`); returns their paths.

    The same source and period always give byte-identical files.
    """
    _month(period)
    return [write_template(source, dataset, period, out) for dataset in datasets_for(source)]
