"""Read what offices really send (xlsx with title and notes rows, CSV in UTF-8 or GBK) into rows of text.

Everything is read as text: typing is the normalizer's job, and an ID number must never pass through a
float. Each row keeps the row number a clerk sees in Excel (or the line number of a CSV), so that every
finding can point at the cell.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from resettle.contracts import DATASETS, Contract, contract

NOTE_PREFIXES = ("填报说明", "填报人", "填表人", "说明", "注：", "注:", "备注：", "备注:", "审核人", "制表")
MAX_TITLE_ROWS = 10


class ParseError(Exception):
    """A file that cannot be read at all; the message is for the clerk, in Chinese."""


@dataclass
class ParsedFile:
    """A file's data rows as text, with the header as written and the row numbers a clerk sees."""

    dataset: str
    headers: list[str]
    columns: dict[str, str]
    rows: list[list[str | None]]
    row_numbers: list[int]
    header_row: int
    title: str | None = None
    sheet: str | None = None
    extra_headers: list[str] = field(default_factory=list)
    missing_columns: list[str] = field(default_factory=list)
    rows_after_notes: list[int] = field(default_factory=list)


def header_key(text: str) -> str:
    """A header folded for matching: width, case, spaces and bracket styles do not matter."""
    folded = unicodedata.normalize("NFKC", str(text)).strip().lower()
    return re.sub(r"[\s_\-]+", "", folded).replace("（", "(").replace("）", ")")


def _alias_table(c: Contract) -> dict[str, str]:
    table: dict[str, str] = {}
    for col in c.columns:
        for header in col.headers:
            table[header_key(header)] = col.name
    return table


def detect_dataset(file_name: str, header_rows: list[list[str]] | None = None,
                   candidates: tuple[str, ...] = DATASETS) -> str | None:
    """The dataset of a file: from its name, or failing that from the headers it carries.

    Only the datasets the sender may send are candidates (the folder says who sent it); among keywords
    found in the name the longest wins, so 涉案企业信息 is not mistaken for 涉案信息.
    """
    name = header_key(Path(file_name).stem)
    matches = [(len(header_key(k)), dataset) for dataset in candidates for k in contract(dataset).file_keywords
               if header_key(k) in name]
    if matches:
        return max(matches)[1]
    if header_rows:
        best, best_score = None, 0
        for dataset in candidates:
            table = _alias_table(contract(dataset))
            score = max(sum(1 for cell in row if cell and header_key(cell) in table) for row in header_rows)
            if score > best_score:
                best, best_score = dataset, score
        if best_score >= 3:
            return best
    return None


def cell_text(value: object) -> str | None:
    """An xlsx cell as the text a clerk meant; dates as ISO, integral floats without '.0'."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    text = str(value).strip()
    return text or None


def _read_xlsx(path: Path) -> list[tuple[str, list[list[str | None]]]]:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except InvalidFileException as err:
        raise ParseError("无法读取该Excel文件，请另存为 .xlsx 格式后重新报送") from err
    except Exception as err:
        raise ParseError("文件已损坏或已加密，无法打开。请取消密码保护，另存为 .xlsx 后重新报送") from err
    try:
        return [
            (ws.title, [[cell_text(v) for v in row] for row in ws.iter_rows(values_only=True)])
            for ws in wb.worksheets
        ]
    finally:
        wb.close()


def decode(data: bytes) -> str:
    """CSV bytes as text: UTF-8 (with or without BOM), else GB18030 (a superset of GBK)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError as err:
        raise ParseError("无法识别文件编码，请以 UTF-8 或 GBK 编码保存CSV文件") from err


def _read_csv(path: Path) -> list[tuple[str | None, list[list[str | None]]]]:
    text = decode(path.read_bytes())
    rows = [[(c.strip() or None) for c in row] for row in csv.reader(io.StringIO(text, newline=""))]
    return [(None, rows)]


def read_sheets(path: Path) -> list[tuple[str | None, list[list[str | None]]]]:
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path)
    if suffix == ".csv":
        return _read_csv(path)
    if suffix == ".xls":
        raise ParseError("不支持旧版 .xls 格式，请在Excel中另存为 .xlsx 后重新报送")
    raise ParseError(f"不支持的文件类型“{path.suffix}”，请报送 .xlsx 或 .csv 文件")


def _is_note(row: list[str | None]) -> bool:
    first = next((c for c in row if c), None)
    return bool(first) and first.startswith(NOTE_PREFIXES)


def _locate_header(rows: list[list[str | None]], table: dict[str, str]) -> tuple[int, int] | None:
    best = None
    for i, row in enumerate(rows[:MAX_TITLE_ROWS]):
        score = sum(1 for c in row if c and header_key(c) in table)
        if score and (best is None or score > best[1]):
            best = (i, score)
    return best


def parse(path: Path, dataset: str | None = None, file_name: str | None = None,
          candidates: tuple[str, ...] = DATASETS) -> ParsedFile:
    """Parse a file into text rows of the dataset's columns, keeping extra columns by their header."""
    file_name = file_name or path.name
    sheets = read_sheets(path)
    if dataset is None:
        heads = [row for _, rows in sheets for row in rows[:MAX_TITLE_ROWS]]
        dataset = detect_dataset(file_name, [[c or "" for c in r] for r in heads], candidates)
        if dataset is None:
            raise ParseError("无法从文件名或表头判断报送的是哪类数据（项目台账、居民台账、月度进展等），请使用标准模板")
    c = contract(dataset)
    table = _alias_table(c)
    candidates = []
    for sheet, rows in sheets:
        located = _locate_header(rows, table)
        if located:
            candidates.append((located[1], sheet, rows, located[0]))
    if not candidates:
        raise ParseError(f"在文件中找不到“{c.title_zh}”的表头，请使用标准模板")
    _, sheet, rows, h = max(candidates, key=lambda x: x[0])
    header_cells = rows[h]
    title = next((cell for r in rows[:h] for cell in r if cell), None)
    columns: dict[str, str] = {}
    positions: list[tuple[int, str]] = []
    extras: list[str] = []
    for j, cell in enumerate(header_cells):
        if not cell:
            continue
        name = table.get(header_key(cell))
        if name and name not in columns:
            columns[name] = cell
            positions.append((j, name))
        else:
            extras.append(cell)
            positions.append((j, f"extra:{cell}"))
    data, numbers, after_notes = [], [], []
    notes_from = None
    for i in range(h + 1, len(rows)):
        row = rows[i]
        if not any(row):
            continue
        if notes_from is None and _is_note(row):
            notes_from = i + 1
        if notes_from is not None:
            if not _is_note(row) and sum(1 for j, _ in positions if j < len(row) and row[j]) >= 3:
                after_notes.append(i + 1)
            continue
        data.append([row[j] if j < len(row) else None for j, _ in positions])
        numbers.append(i + 1)
    headers = [name for _, name in positions]
    missing = [col.name for col in c.columns if col.required and col.name not in columns]
    return ParsedFile(
        dataset=dataset, headers=headers, columns=columns, rows=data, row_numbers=numbers, header_row=h + 1,
        title=title, sheet=sheet, extra_headers=extras, missing_columns=missing, rows_after_notes=after_notes,
    )
