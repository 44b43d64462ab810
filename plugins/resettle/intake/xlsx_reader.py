"""Read a workbook's sheets (xlsx, or legacy xls) as rows of text cells with python-calamine (Rust), several
times faster than openpyxl on big rosters; cells are turned into text by the parser's one rule
(`parse.cell_text`), so an Excel date cell, an ID number stored as a number, a merged title or a notes row
reads as it did.

A number shown as a percentage (a cell formatted `0%` or `0.0%`: Excel stores 35% as 0.35) is read as the
clerk sees it, `35%`; the normalizer then takes it for 35 in a percent column. Calamine does not report
number formats, so the cells with a percent format are found from the workbook's styles (only when the
workbook has such a style at all, which most never do).

The checks that give a clerk a sentence (an encrypted or damaged workbook) stay in `parse._open_workbook`,
which runs first; openpyxl remains the reference reader (`parse.read_xlsx_openpyxl`, and the bench).
"""

from __future__ import annotations

import re
import zipfile
from decimal import Decimal
from pathlib import Path

_PERCENT_BUILTIN = {9, 10}
"""Excel's built-in number formats `0%` and `0.00%`."""
_NUM_FMT = re.compile(rb'<(?:\w+:)?numFmt\b[^>]*?numFmtId="(\d+)"[^>]*?formatCode="([^"]*)"')
_CELL_XFS = re.compile(rb"<(?:\w+:)?cellXfs\b.*?</(?:\w+:)?cellXfs>", re.S)
_XF = re.compile(rb"<(?:\w+:)?xf\b([^>]*)")
_XF_FMT = re.compile(rb'numFmtId="(\d+)"')


def _is_percent_code(code: bytes) -> bool:
    """A custom format that shows a percentage: a `%` outside quotes and backslash escapes."""
    text = re.sub(r'"[^"]*"|\\.', "", code.decode("utf-8", "replace").replace("&quot;", '"'))
    return "%" in text


def has_percent_style(path: Path) -> bool:
    """Whether any cell style of an xlsx shows numbers as percentages (cheap: reads styles.xml only)."""
    try:
        with zipfile.ZipFile(path) as zf:
            styles = zf.read("xl/styles.xml")
    except (KeyError, zipfile.BadZipFile, OSError):
        return False
    percent = set(_PERCENT_BUILTIN) | {int(i) for i, code in _NUM_FMT.findall(styles) if _is_percent_code(code)}
    xfs = _CELL_XFS.search(styles)
    if not xfs:
        return False
    return any(int(m[1]) in percent for attrs in _XF.findall(xfs[0]) if (m := _XF_FMT.search(attrs)))


def percent_cells(path: Path) -> dict[str, set[tuple[int, int]]]:
    """Per sheet, the (row, column) from A1 = (0, 0) of every number cell formatted as a percentage."""
    if not has_percent_style(path):
        return {}
    import openpyxl

    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        found: dict[str, set[tuple[int, int]]] = {}
        for ws in workbook.worksheets:
            cells = found.setdefault(ws.title, set())
            for i, row in enumerate(ws.iter_rows()):
                for cell in row:
                    value = getattr(cell, "value", None)
                    fmt = getattr(cell, "number_format", None) or ""
                    if (
                        isinstance(value, int | float)
                        and not isinstance(value, bool)
                        and _is_percent_code(fmt.encode())
                    ):
                        cells.add((i, cell.column - 1))
        return found
    finally:
        workbook.close()


def percent_text(value: float) -> str:
    """0.35 → `35%`, 0.455 → `45.5%`, 1 → `100%`: the percentage Excel shows, without float noise."""
    shown = Decimal(repr(float(value))) * 100
    return f"{shown.normalize():f}%"


def read_xlsx(path: Path) -> list[tuple[str | None, list[list[str | None]]]]:
    """Every worksheet as (name, rows); row i is Excel row i + 1, column j is column j + 1 (from A1)."""
    from python_calamine import CalamineWorkbook

    from resettle.intake.parse import cell_text

    percents = percent_cells(path) if path.suffix.lower() != ".xls" and zipfile.is_zipfile(path) else {}
    workbook = CalamineWorkbook.from_path(str(path))
    try:
        sheets: list[tuple[str | None, list[list[str | None]]]] = []
        for name in workbook.sheet_names:
            rows = workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
            texts = [[cell_text(v) for v in row] for row in rows]
            for i, j in percents.get(name, ()):
                value = rows[i][j] if i < len(rows) and j < len(rows[i]) else None
                if isinstance(value, int | float) and not isinstance(value, bool):
                    texts[i][j] = percent_text(value)
            sheets.append((name, texts))
        return sheets
    finally:
        workbook.close()
