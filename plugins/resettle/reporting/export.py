"""Tables to xlsx that cannot run anything when opened (formula / CSV injection).

Every value reaches the sheet through a typed xlsxwriter call: strings with `write_string` (never parsed as a
formula or URL) and numbers, dates and booleans as themselves. A string that Excel or LibreOffice would treat
as a formula once a user edits the cell (starting with = + - @, tab or CR) also gets the "quote prefix"
cell style, Excel's own mark for "this is text" (the apostrophe a user would type), so it stays text on
re-entry and on CSV export from Excel too. Used by the dashboard and the monthly bulletin.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from collections.abc import Iterable
from decimal import Decimal

import pandas as pd

from resettle.domain.text import FORMULA_PREFIXES as DANGEROUS_PREFIXES  # noqa: F401  (one definition)
from resettle.domain.text import is_formula_like as is_dangerous

MAX_SHEET_NAME = 31


def _sheet_name(name: str) -> str:
    for ch in "[]:*?/\\":
        name = name.replace(ch, "_")
    return name[:MAX_SHEET_NAME] or "Sheet1"


class SafeWorkbook:
    """An xlsxwriter workbook that writes frames as typed cells; formulas are never written."""

    def __init__(self, target):
        import xlsxwriter

        self.book = xlsxwriter.Workbook(
            target,
            {
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
                "nan_inf_to_errors": False,
                "remove_timezone": True,
                "in_memory": True,
            },
        )
        self.header = self.book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True})
        self.title = self.book.add_format({"bold": True, "font_size": 14})
        self.text = self.book.add_format({})
        self.quoted = self.book.add_format({"quote_prefix": True})
        self.date = self.book.add_format({"num_format": "yyyy-mm-dd"})
        self.datetime = self.book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
        self.number = self.book.add_format({"num_format": "#,##0.##"})

    def write_cell(self, sheet, row: int, col: int, value) -> None:
        if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
            sheet.write_blank(row, col, None)
        elif isinstance(value, bool):
            sheet.write_string(row, col, "是" if value else "否")
        elif isinstance(value, int | float | Decimal) and not isinstance(value, bool):
            number = float(value)
            if math.isinf(number):
                sheet.write_string(row, col, str(value))
            else:
                sheet.write_number(row, col, number, self.number)
        elif isinstance(value, pd.Timestamp | dt.datetime):
            stamp = pd.Timestamp(value)
            if stamp.tzinfo is not None:
                stamp = stamp.tz_convert("Asia/Shanghai").tz_localize(None)
            sheet.write_datetime(row, col, stamp.to_pydatetime(), self.datetime)
        elif isinstance(value, dt.date):
            sheet.write_datetime(row, col, dt.datetime(value.year, value.month, value.day), self.date)
        else:
            if isinstance(value, list | tuple):
                value = "、".join(str(v) for v in value)
            text = str(value)
            sheet.write_string(row, col, text, self.quoted if is_dangerous(text) else self.text)

    def add_frame(
        self, name: str, frame: pd.DataFrame, title: str | None = None, labels: dict[str, str] | None = None
    ) -> None:
        sheet = self.book.add_worksheet(_sheet_name(name))
        row = 0
        if title:
            sheet.write_string(0, 0, title, self.title)
            row = 2
        labels = labels or {}
        for col, column in enumerate(frame.columns):
            sheet.write_string(row, col, str(labels.get(column, column)), self.header)
            sheet.set_column(col, col, max(10, min(40, len(str(labels.get(column, column))) * 2 + 2)))
        for r, values in enumerate(frame.itertuples(index=False, name=None), start=row + 1):
            for col, value in enumerate(values):
                self.write_cell(sheet, r, col, _plain(value))
        if len(frame.columns):
            sheet.autofilter(row, 0, row + len(frame), len(frame.columns) - 1)
            sheet.freeze_panes(row + 1, 0)

    def close(self) -> None:
        self.book.close()


def _plain(value):
    """numpy scalars to Python ones, so the typed writers see ints and floats."""
    if hasattr(value, "item") and not isinstance(value, list | tuple | str):
        try:
            return value.item()
        except (ValueError, AttributeError):
            return value
    return value


def frames_to_xlsx(sheets: Iterable[tuple[str, pd.DataFrame]], labels: dict[str, str] | None = None) -> bytes:
    """Several frames, one sheet each, as xlsx bytes."""
    buffer = io.BytesIO()
    book = SafeWorkbook(buffer)
    for name, frame in sheets:
        book.add_frame(name, frame, labels=labels)
    book.close()
    return buffer.getvalue()


def frame_to_xlsx(frame: pd.DataFrame, sheet: str = "数据", labels: dict[str, str] | None = None) -> bytes:
    return frames_to_xlsx([(sheet, frame)], labels)
