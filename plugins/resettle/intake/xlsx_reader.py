"""Read a workbook's sheets (xlsx, or legacy xls) as rows of text cells with python-calamine (Rust), several
times faster than openpyxl on big rosters; cells are turned into text by the parser's one rule
(`parse.cell_text`), so an Excel date cell, an ID number stored as a number, a merged title or a notes row
reads as it did.

A number shown as a percentage (a cell formatted `0%` or `0.0%`: Excel stores 35% as 0.35) is read as the
clerk sees it, `35%`; the normalizer then takes it for 35 in a percent column. Calamine does not report
number formats, so the cells with a percent style are found from the workbook's styles and a scan of the
sheets' XML for those styles (only when the workbook has such a style at all, which most never do).

The checks that give a clerk a sentence (an encrypted or damaged workbook) stay in `parse._open_workbook`,
which runs first; openpyxl remains the reference reader (`parse.read_xlsx_openpyxl`, and the bench).
"""

from __future__ import annotations

import logging
import re
import zipfile
from decimal import Decimal
from pathlib import Path

log = logging.getLogger(__name__)
_PERCENT_BUILTIN = {9, 10}
"""Excel's built-in number formats `0%` and `0.00%`."""
_NUM_FMT = re.compile(rb'<(?:\w+:)?numFmt\b[^>]*?numFmtId="(\d+)"[^>]*?formatCode="([^"]*)"')
_CELL_XFS = re.compile(rb"<(?:\w+:)?cellXfs\b.*?</(?:\w+:)?cellXfs>", re.S)
_XF = re.compile(rb"<(?:\w+:)?xf\b([^>]*)")
_XF_FMT = re.compile(rb'numFmtId="(\d+)"')
_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _is_percent_code(code: bytes) -> bool:
    """A custom format that shows a percentage: a `%` outside quotes and backslash escapes."""
    text = re.sub(r'"[^"]*"|\\.', "", code.decode("utf-8", "replace").replace("&quot;", '"'))
    return "%" in text


def _percent_styles(zf: zipfile.ZipFile) -> set[int]:
    """The indexes of the cell styles (`cellXfs`) that show numbers as percentages."""
    try:
        styles = zf.read("xl/styles.xml")
    except KeyError:
        return set()
    percent = set(_PERCENT_BUILTIN) | {int(i) for i, code in _NUM_FMT.findall(styles) if _is_percent_code(code)}
    xfs = _CELL_XFS.search(styles)
    if not xfs:
        return set()
    formats = [m[1] if (m := _XF_FMT.search(attrs)) else b"0" for attrs in _XF.findall(xfs[0])]
    return {i for i, fmt in enumerate(formats) if int(fmt) in percent}


def has_percent_style(path: Path) -> bool:
    """Whether any cell style of an xlsx shows numbers as percentages (cheap: reads styles.xml only)."""
    try:
        with zipfile.ZipFile(path) as zf:
            return bool(_percent_styles(zf))
    except (zipfile.BadZipFile, OSError):
        return False


def _sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → its part (`xl/worksheets/sheet1.xml`), from the workbook and its relationships."""
    import posixpath
    from xml.etree import ElementTree

    rels = {
        rel.get("Id"): rel.get("Target", "")
        for rel in ElementTree.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
        if rel.get("Id")
    }
    parts = {}
    for sheet in ElementTree.fromstring(zf.read("xl/workbook.xml")).iter(f"{{{_MAIN_NS}}}sheet"):
        target = rels.get(sheet.get(f"{{{_REL_NS}}}id"), "")
        if target:
            parts[sheet.get("name", "")] = (
                target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
            )
    return parts


def _cell_index(ref: bytes) -> tuple[int, int]:
    """`J3` → (2, 9): row and column from A1 = (0, 0)."""
    letters = ref.rstrip(b"0123456789")
    column = 0
    for ch in letters:
        column = column * 26 + ch - 64
    return int(ref[len(letters) :]) - 1, column - 1


def percent_cells(path: Path) -> dict[str, set[tuple[int, int]]]:
    """Per sheet, the (row, column) from A1 = (0, 0) of every cell with a percent style.

    The sheets' XML is scanned for the `s="<style>"` of those styles only (streamed, a chunk at a time), so a
    big workbook costs a pass over its bytes, not a second parse; text cells are left alone by the caller."""
    found: dict[str, set[tuple[int, int]]] = {}
    with zipfile.ZipFile(path) as zf:
        styles = _percent_styles(zf)
        if not styles:
            return found
        style = b"|".join(str(i).encode() for i in sorted(styles))
        cell = re.compile(rb'<(?:\w+:)?c\b[^>]*?\bs="(?:' + style + rb')"[^>]*>')
        ref = re.compile(rb'\br="([A-Z]{1,3}\d+)"')
        for name, part in _sheet_parts(zf).items():
            cells = found.setdefault(name, set())
            with zf.open(part) as fh:
                tail = b""
                while chunk := fh.read(1 << 20):
                    data = tail + chunk
                    cut = data.rfind(b"<")  # a tag cut by the chunk's end is read with the next chunk
                    data, tail = (data[:cut], data[cut:]) if cut > 0 else (data, b"")
                    for m in cell.finditer(data):
                        if r := ref.search(m[0]):
                            cells.add(_cell_index(r[1]))
    return found


def percent_text(value: float) -> str:
    """0.35 → `35%`, 0.455 → `45.5%`, 1 → `100%`: the percentage Excel shows, without float noise."""
    shown = Decimal(repr(float(value))) * 100
    return f"{shown.normalize():f}%"


def read_xlsx(path: Path) -> list[tuple[str | None, list[list[str | None]]]]:
    """Every worksheet as (name, rows); row i is Excel row i + 1, column j is column j + 1 (from A1)."""
    from python_calamine import CalamineWorkbook

    from resettle.intake.parse import cell_text

    percents: dict[str, set[tuple[int, int]]] = {}
    if path.suffix.lower() != ".xls" and zipfile.is_zipfile(path):
        try:
            percents = percent_cells(path)
        except Exception:  # an odd package layout: the cells are read as stored, the file is still read
            log.warning("percent styles of %s could not be read", path, exc_info=True)
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
