"""File shapes the offices really produce: each source keeps its own habit, month after month.

Districts and departments differ in format (xlsx or CSV), encoding (GBK, UTF-8 with or without BOM),
title and notes rows around the table, date forms, thousands separators and header language. The intake has
to cope with all of them, so the generator writes all of them — deterministically, so that the same seed
gives byte-identical files (xlsx archives included: fixed document properties and zip timestamps).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.writer.excel import ExcelWriter

from resettle.devtools.generator import people
from resettle.devtools.generator.reports import Table
from resettle.domain.column_types import column_type
from resettle.domain.contracts import Column, contract
from resettle.domain.reference import disposal_categories, sources
from resettle.reporting.workbooks import stable_zip

LABELS = {
    "project_ledger": "项目台账",
    "household_roster": "居民台账",
    "monthly_progress": "月度进展",
    "construction_status": "项目建设信息",
    "housing_units": "安置房源分配情况",
    "court_cases": "涉案信息",
    "police_cases": "涉案企业信息",
    "tax_status": "企业涉税状态",
    "repayment_agreements": "偿还协议履行情况",
    "property_certificates": "回迁安置房产权办理情况",
    "petition_cases": "回迁安置信访件",
    "review_decisions": "联审会签记录",
    "supervision_items": "督办事项",
}

_INSTRUCTIONS = {
    "project_ledger": "每个逾期未回迁项目填一行；处置类别按五类填写；户数须与居民台账一致",
    "household_roster": "每户填一行，已安置的户保留并填写安置日期和房源编号；身份证号请按文本格式录入",
    "monthly_progress": "本月新增安置户数与累计安置户数须与居民台账一致",
    "construction_status": "已签订继续建设承诺书的项目须填写承诺开竣工日期和资金来源",
    "housing_units": "已分配、已入住的房源须填写分配户编号",
    "court_cases": "仅统计涉房地产开发企业案件，金额单位为元",
    "police_cases": "冻结资金单位为元",
    "tax_status": "欠税金额含滞纳金，单位为元",
    "repayment_agreements": "金额单位为元；已偿还金额为截至本月的累计数",
    "property_certificates": "暂缓办理的须填写暂缓原因；已发证的须填写发证日期和证号",
    "petition_cases": "报送办理中的信访件和本月办结的信访件；到省、进京信访件须填写包案领导",
}


class Verbatim(NamedTuple):
    """A cell written exactly as given (a clerk's typo, a float Excel made of an ID), bypassing formatting."""

    value: str | float


@dataclass(frozen=True)
class Habit:
    """How one office lays out its files."""

    file_name: str
    fmt: str = "xlsx"
    encoding: str = "utf-8"
    date_style: str = "cell"
    date_format: str = "yyyy-mm-dd"
    title: bool = False
    subtitle: bool = False
    instructions: bool = False
    signature: bool = False
    blank_before_notes: bool = False
    thousands: bool = False
    english_headers: bool = False
    category_as_label: bool = False
    lowercase_x: bool = False
    line_terminator: str = "\r\n"
    author: str = "Administrator"
    sheet_name: str | None = None


HABITS = {
    "taishan": Habit("{office}逾期未回迁安置{label}（{y}年{m}月）.xlsx", title=True, instructions=True),
    "xingan": Habit(
        "{office}_{label}_{y}{mm}.csv",
        fmt="csv",
        encoding="gbk",
        date_style="slash",
        thousands=True,
        signature=True,
        category_as_label=True,
    ),
    "xiangyang": Habit(
        "{office}{label}{y}年{m}月.xlsx",
        date_style="zh",
        title=True,
        subtitle=True,
        instructions=True,
        signature=True,
        blank_before_notes=True,
        author="向阳区住建局",
    ),
    "gongnong": Habit(
        "{office}{label}-{y}.{mm}.csv", fmt="csv", encoding="utf-8-sig", date_style="iso", category_as_label=True
    ),
    "nanshan": Habit(
        "{y}年{m}月{office}{label}.xlsx",
        date_format="yyyy/m/d",
        signature=True,
        category_as_label=True,
        author="微软用户",
        sheet_name="Sheet1",
    ),
    "xingshan": Habit(
        "{office}{label}（{y}年{m}月报）.csv",
        fmt="csv",
        encoding="gbk",
        date_style="zh",
        thousands=True,
        lowercase_x=True,
    ),
    "housing_bureau": Habit(
        "{office}{label}{y}年{m}月.xlsx", date_format='yyyy"年"m"月"d"日"', title=True, signature=True
    ),
    "housing_center": Habit(
        "{office}{label}（{y}.{mm}）.xlsx", date_style="iso", title=True, instructions=True, author="保障中心"
    ),
    "court": Habit("{office}{label}_{y}{mm}.csv", fmt="csv", encoding="gbk", date_style="iso", thousands=True),
    "police": Habit("{office}{label}_{y}{mm}.csv", fmt="csv", encoding="utf-8-sig", date_style="slash"),
    "tax": Habit(
        "{office}{label}{y}{mm}.csv",
        fmt="csv",
        encoding="utf-8",
        date_style="iso",
        english_headers=True,
        line_terminator="\n",
    ),
    "registration": Habit(
        "{office}{label}{y}年{m}月.xlsx", date_format="yyyy/m/d", title=True, signature=True, author="登记中心"
    ),
    "petition": Habit("{office}{label}_{y}{mm}.csv", fmt="csv", encoding="gbk", date_style="zh", signature=True),
    "office": Habit("{office}{label}（{y}年{m}月）.xlsx", title=True, author="领导小组办公室"),
}

TEMPLATE_CREATED = dt.datetime(2019, 12, 2, 9, 0, 0)


@dataclass(frozen=True)
class Layout:
    """Where a written table sits in its file, for pointing at a cell the way a clerk would."""

    header_row: int
    first_data_row: int


def office_name(source: str) -> str:
    return sources()[source].name_zh


def file_name(source: str, dataset: str, month_start: dt.date) -> str:
    return HABITS[source].file_name.format(
        office=office_name(source),
        label=LABELS[dataset],
        y=month_start.year,
        m=month_start.month,
        mm=f"{month_start.month:02d}",
    )


def header(habit: Habit, column: Column) -> str:
    return column.name if habit.english_headers else column.header_zh


def text_date(day: dt.date, style: str) -> str:
    if style == "slash":
        return f"{day.year}/{day.month}/{day.day}"
    if style == "zh":
        return f"{day.year}年{day.month}月{day.day}日"
    return day.isoformat()


def _text(habit: Habit, column: Column, value: object) -> str:
    """A value as it stands in a CSV cell, or in an xlsx cell kept as text."""
    if value is None:
        return ""
    if isinstance(value, Verbatim):
        return value.value if isinstance(value.value, str) else f"{value.value:.14E}"
    if isinstance(value, bool):
        return "是" if value else "否"
    if column.type == "disposal_category":
        return disposal_categories()[value] if habit.category_as_label else str(value)
    if isinstance(value, dt.date):
        return text_date(value, "iso" if habit.date_style == "cell" else habit.date_style)
    if isinstance(value, int):
        return f"{value:,}" if habit.thousands else str(value)
    if column.type == "id_number" and habit.lowercase_x:
        return str(value).replace("X", "x")
    if isinstance(value, float):
        return f"{value:,.2f}" if habit.thousands else f"{value:.2f}"
    return str(value)


def _cell(habit: Habit, column: Column, value: object) -> object:
    """A value as openpyxl should store it: numbers and (by habit) dates native, everything else text."""
    if isinstance(value, Verbatim):
        return value.value
    if column.type == "disposal_category" and not habit.category_as_label:
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    if isinstance(value, dt.date) and habit.date_style == "cell":
        return value
    return _text(habit, column, value) if value is not None else None


def shown(habit: Habit, column: Column, value: object) -> str:
    """The value as a reader of the file finds it, in the form recorded for injected errors."""
    if habit.fmt == "csv":
        return _text(habit, column, value)
    cell = _cell(habit, column, value)
    if cell is None:
        return ""
    if isinstance(cell, dt.date):
        return cell.isoformat()
    return str(cell)


def _notes(habit: Habit, table: Table, submitted: dt.datetime, seed: int) -> list[str]:
    clerk_rng = random.Random(f"{seed}/clerk/{table.source}")
    clerk = people.person_name(clerk_rng, clerk_rng.random() < 0.4)
    reviewer = people.person_name(clerk_rng, clerk_rng.random() < 0.7)
    phone = people.landline(clerk_rng)
    notes = []
    if habit.instructions:
        notes.append(f"填报说明：{_INSTRUCTIONS[table.dataset]}；请于每月25日前报送。")
    if habit.signature:
        notes.append(
            f"填报人：{clerk}    审核人：{reviewer}    联系电话：{phone}    "
            f"填报日期：{text_date(submitted.date(), 'zh')}"
        )
    return notes


def write_table(table: Table, path: Path, submitted: dt.datetime, seed: int) -> Layout:
    """Write one table in its source's habit; returns where the header and the data landed."""
    habit = HABITS[table.source]
    spec = contract(table.dataset)
    columns = [spec.column(name) for name in table.columns]
    headers = {c.name: header(habit, c) for c in columns}
    notes = _notes(habit, table, submitted, seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    if habit.fmt == "csv":
        return _write_csv(habit, table, columns, headers, notes, path)
    return _write_xlsx(habit, table, columns, headers, notes, path, submitted)


def _write_csv(
    habit: Habit, table: Table, columns: list[Column], headers: dict[str, str], notes: list[str], path: Path
) -> Layout:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=habit.line_terminator)
    writer.writerow(headers.values())
    for row in table.rows:
        writer.writerow(_text(habit, c, row.get(c.name)) for c in columns)
    for note in notes:
        writer.writerow([note] + [""] * (len(columns) - 1))
    path.write_bytes(buffer.getvalue().encode(habit.encoding))
    return Layout(header_row=1, first_data_row=2)


def _write_xlsx(
    habit: Habit,
    table: Table,
    columns: list[Column],
    headers: dict[str, str],
    notes: list[str],
    path: Path,
    submitted: dt.datetime,
) -> Layout:
    wb = Workbook()
    ws = wb.active
    ws.title = habit.sheet_name or LABELS[table.dataset]
    width = len(columns)
    row = 1
    month = dt.date.fromisoformat(table.period + "-01")
    if habit.title:
        title = f"{office_name(table.source)}{contract(table.dataset).title_zh}（{month.year}年{month.month}月）"
        ws.cell(row, 1, title)
        ws.cell(row, 1).font = Font(bold=True, size=14)
        ws.cell(row, 1).alignment = Alignment(horizontal="center")
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
        row += 1
    if habit.subtitle:
        ws.cell(row, 1, f"填报单位（盖章）：{office_name(table.source)}人民政府")
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=max(1, width - 2))
        ws.cell(row, width, "单位：户、平方米")
        row += 1
    header_row = row
    for j, c in enumerate(columns, start=1):
        cell = ws.cell(row, j, headers[c.name])
        cell.font = Font(bold=True)
        ws.column_dimensions[cell.column_letter].width = max(10, 2.2 * len(headers[c.name]))
    ws.freeze_panes = ws.cell(row + 1, 1)
    date_format = habit.date_format
    for values in table.rows:
        row += 1
        for j, c in enumerate(columns, start=1):
            value = _cell(habit, c, values.get(c.name))
            if value is None:
                continue
            cell = ws.cell(row, j, value)
            if isinstance(value, dt.date):
                cell.number_format = date_format
            elif isinstance(value, str) and (column_type(c.type).written_as_text or c.name.endswith(("_code", "_no"))):
                cell.number_format = "@"
            elif isinstance(value, float) and c.type == "decimal":
                cell.number_format = "#,##0.00"
    if habit.blank_before_notes and notes:
        row += 1
    for note in notes:
        row += 1
        ws.cell(row, 1, note)
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
    wb.properties.creator = habit.author
    wb.properties.lastModifiedBy = habit.author
    wb.properties.created = TEMPLATE_CREATED
    wb.properties.modified = submitted.astimezone(dt.UTC).replace(tzinfo=None)
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(wb, archive).write_data()
    path.write_bytes(stable_zip(raw.getvalue(), submitted))
    return Layout(header_row=header_row, first_data_row=header_row + 1)
