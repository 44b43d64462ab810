"""Exports cannot run anything when opened: strings that look like formulas are written as text cells with
Excel's quote prefix; numbers, dates and blanks keep their types."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pandas as pd
import pytest

from resettle.reporting.export import frame_to_xlsx, frames_to_xlsx, is_dangerous

PLANTED = [
    '=HYPERLINK("http://attacker.invalid","点我")',
    "+1+2",
    "-2+3",
    "@SUM(A1)",
    "\t=1",
    "\r=1",
    "=cmd|' /C calc'!A0",
]


def _cells(data: bytes):
    book = openpyxl.load_workbook(io.BytesIO(data))
    return [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]


def test_formula_like_strings_are_written_as_quoted_text():
    frame = pd.DataFrame({"项目名称": PLANTED, "n": range(len(PLANTED))})
    cells = _cells(frame_to_xlsx(frame))
    assert not [c for c in cells if c.data_type == "f"]
    texts = {c.value: c for c in cells if isinstance(c.value, str)}
    for value in PLANTED:
        cell = texts[value.replace("\r", "_x000D_")]  # xlsx escapes CR; Excel decodes it, openpyxl does not
        assert cell.data_type == "s" and cell.quotePrefix, value


def test_ordinary_values_keep_their_types():
    frame = pd.DataFrame(
        {
            "text": ["泰山区", None],
            "count": [3, 4],
            "rate": [Decimal("30.7"), float("nan")],
            "day": [dt.date(2026, 10, 25), None],
            "flag": [True, False],
            "codes": [["F01", "F06"], []],
            "negative": [-5, 0],
        }
    )
    book = openpyxl.load_workbook(io.BytesIO(frame_to_xlsx(frame, labels={"text": "区"})))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0] == ("区", "count", "rate", "day", "flag", "codes", "negative")
    assert rows[1][:3] == ("泰山区", 3, 30.7)
    assert rows[1][3] == dt.datetime(2026, 10, 25)
    assert rows[1][4:] == ("是", "F01、F06", -5)
    assert rows[2][0] is None and rows[2][2] is None
    assert not book.active["A2"].quotePrefix


@pytest.mark.parametrize(
    ("text", "dangerous"), [("=1", True), ("+", True), ("a=1", False), ("泰山区", False), ("", False), ("\tx", True)]
)
def test_dangerous_prefixes(text, dangerous):
    assert is_dangerous(text) is dangerous


def test_several_frames_become_several_sheets_with_safe_names():
    data = frames_to_xlsx([("区排名", pd.DataFrame({"a": [1]})), ("a/b:c", pd.DataFrame({"b": [2]}))])
    assert openpyxl.load_workbook(io.BytesIO(data)).sheetnames == ["区排名", "a_b_c"]
