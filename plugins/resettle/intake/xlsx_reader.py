"""Read a workbook's sheets as rows of text cells with python-calamine (Rust), several times faster than
openpyxl on big rosters; cells are turned into text by the parser's one rule (`parse.cell_text`), so an
Excel date cell, an ID number stored as a number, a merged title or a notes row reads as it did.

The checks that give a clerk a sentence (an encrypted or damaged workbook) stay in `parse._open_workbook`,
which runs first; openpyxl remains the reference reader (`parse.read_xlsx_openpyxl`, and the bench).
"""

from __future__ import annotations

from pathlib import Path


def read_xlsx(path: Path) -> list[tuple[str | None, list[list[str | None]]]]:
    """Every worksheet as (name, rows); row i is Excel row i + 1, column j is column j + 1 (from A1)."""
    from python_calamine import CalamineWorkbook

    from resettle.intake.parse import cell_text

    workbook = CalamineWorkbook.from_path(str(path))
    try:
        sheets: list[tuple[str | None, list[list[str | None]]]] = []
        for name in workbook.sheet_names:
            rows = workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
            sheets.append((name, [[cell_text(v) for v in row] for row in rows]))
        return sheets
    finally:
        workbook.close()
