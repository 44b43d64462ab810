"""Read what offices really send (xlsx or legacy xls with title and notes rows, CSV in UTF-8 or GBK, comma- or
tab-separated) into rows of text.

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
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from resettle.domain.contracts import DATASETS, Contract, contract

NOTE_PREFIXES = ("填报说明", "填报人", "填表人", "说明", "注：", "注:", "备注：", "备注:", "审核人", "制表")
MAX_TITLE_ROWS = 10
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class ParseError(Exception):
    """A file that cannot be read at all; the message is for the clerk, in Chinese."""


@dataclass
class ParsedFile:
    """A file's data as text columns, with the header as written and the row numbers a clerk sees.

    `frame` has one column per header (contract names; extras as `extra:<header>`), text or missing;
    `row_numbers[i]` is the Excel row (or CSV line) of `frame` row i.
    """

    dataset: str
    headers: list[str]
    columns: dict[str, str]
    frame: pd.DataFrame
    row_numbers: list[int]
    header_row: int
    title: str | None = None
    title_row: int | None = None
    sheet: str | None = None
    extra_headers: list[str] = field(default_factory=list)
    missing_columns: list[str] = field(default_factory=list)
    rows_after_notes: list[int] = field(default_factory=list)
    malformed_rows: list[int] = field(default_factory=list)
    """CSV lines (not notes) with another number of fields than the header: never silently dropped."""

    def release_data(self) -> None:
        """Drop the text cells once typed: a big file should not be held twice in memory."""
        self.frame = self.frame.iloc[0:0]

    @property
    def rows(self) -> list[list[str | None]]:
        """The data as lists of text cells (for small files and tests)."""
        return [[None if pd.isna(v) else v for v in row] for row in self.frame.itertuples(index=False, name=None)]


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


def detect_dataset(
    file_name: str, header_rows: list[list[str]] | None = None, candidates: tuple[str, ...] = DATASETS
) -> str | None:
    """The dataset of a file: from its name, or failing that from the headers it carries.

    Only the datasets the sender may send are candidates (the folder says who sent it); among keywords
    found in the name the longest wins, so 涉案企业信息 is not mistaken for 涉案信息. A name that names two
    datasets equally (居民台账（已与项目台账核对）) is settled by the headers, or is None without them.
    """
    name = header_key(Path(file_name).stem)
    matches = {
        dataset: max(len(header_key(k)) for k in contract(dataset).file_keywords if header_key(k) in name)
        for dataset in candidates
        if any(header_key(k) in name for k in contract(dataset).file_keywords)
    }
    if matches:
        longest = max(matches.values())
        named = tuple(d for d, n in matches.items() if n == longest)
        if len(named) == 1:
            return named[0]
        if not header_rows:
            return None
        candidates = named
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


def _open_workbook(path: Path):
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    with path.open("rb") as fh:
        magic = fh.read(8)
    if magic.startswith(OLE_MAGIC):
        raise ParseError("该Excel文件设置了打开密码（已加密），系统无法读取。请取消密码保护后另存为 .xlsx 重新报送")
    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=True)
    except InvalidFileException as err:
        raise ParseError("无法读取该Excel文件，请另存为 .xlsx 格式后重新报送") from err
    except Exception as err:
        raise ParseError("文件已损坏，无法打开。请在Excel中打开确认后另存为 .xlsx 重新报送") from err


def _read_xlsx(path: Path) -> list[tuple[str | None, list[list[str | None]]]]:
    from resettle.intake.xlsx_reader import read_xlsx

    _open_workbook(path).close()  # the clerk's sentence for an encrypted or damaged workbook
    try:
        return read_xlsx(path)
    except Exception as err:
        raise ParseError("文件已损坏，无法打开。请在Excel中打开确认后另存为 .xlsx 重新报送") from err


def _read_xls(path: Path) -> list[tuple[str | None, list[list[str | None]]]]:
    """A legacy Excel 97-2003 workbook (BIFF, an OLE compound document), read by python-calamine."""
    from python_calamine import PasswordError

    from resettle.intake.xlsx_reader import read_xlsx

    try:
        return read_xlsx(path)
    except PasswordError as err:
        raise ParseError("该Excel文件设置了打开密码（已加密），系统无法读取。请取消密码保护后重新报送") from err
    except Exception as err:
        raise ParseError(
            "文件已损坏或不是有效的 .xls 文件，无法打开。请在Excel中打开确认后另存为 .xlsx 重新报送"
        ) from err


def read_xlsx_openpyxl(path: Path) -> list[tuple[str | None, list[list[str | None]]]]:
    """The reference reader (openpyxl), kept for the xlsx bench."""
    wb = _open_workbook(path)
    try:
        return [
            (ws.title, [[cell_text(v) for v in row] for row in ws.iter_rows(values_only=True)]) for ws in wb.worksheets
        ]
    finally:
        wb.close()


def csv_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM) when every byte is valid UTF-8, else GB18030 (a superset of GBK)."""
    import codecs

    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as fh:
        first = fh.read(3)
        if first == b"\xef\xbb\xbf":
            return "utf-8-sig"
        chunk = first
        try:
            while chunk:
                decoder.decode(chunk)
                chunk = fh.read(1 << 20)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "gb18030"
    return "utf-8"


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


def csv_delimiter(head: str) -> str:
    """A tab when the file's first lines are tab-separated (what some systems export as .csv, and Excel's
    “文本文件（制表符分隔）”), else a comma: the separator that splits the first non-empty lines more."""
    lines = [line for line in head.splitlines()[:MAX_TITLE_ROWS] if line.strip()]
    tabs = sum(line.count("\t") for line in lines)
    return "\t" if tabs > sum(line.count(",") for line in lines) else ","


def _read_csv(path: Path) -> list[tuple[str | None, list[list[str | None]]]]:
    text = decode(path.read_bytes())
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=csv_delimiter(text[: 1 << 16]))
    rows = [[(c.strip() or None) for c in row] for row in reader]
    return [(None, rows)]


def file_kind(path: Path) -> str:
    """`xlsx`, `xls` or `csv` (a `.tsv` is read as a CSV); any other file gets the sentence a clerk needs."""
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return "xlsx"
    if suffix == ".xls":
        return "xls"
    if suffix in (".csv", ".tsv"):
        return "csv"
    raise ParseError(f"不支持的文件类型“{path.suffix}”，请报送 .xlsx、.xls 或 .csv 文件")


def read_sheets(path: Path) -> list[tuple[str | None, list[list[str | None]]]]:
    """Every sheet of a file as rows of text cells (a CSV is one sheet without a name)."""
    kind = file_kind(path)
    if kind == "xlsx":
        return _read_xlsx(path)
    return _read_xls(path) if kind == "xls" else _read_csv(path)


@dataclass
class _Sheet:
    """The top rows of a sheet (to find title and header) and a way to read its body as a text grid (trimmed,
    empty cells missing)."""

    name: str | None
    head: list[list[str | None]]
    body: Callable[[int, int], tuple[pd.DataFrame, np.ndarray, list[tuple[int, str]]]]


def _grid(rows: list[list[str | None]], ncols: int) -> pd.DataFrame:
    """A workbook's rows as the cleaned text grid a CSV's body gives (`_text_grid`)."""
    import pyarrow as pa

    padded = [(r + [None] * ncols)[:ncols] for r in rows]
    columns = [pa.array([None if row[j] is None else str(row[j]) for row in padded], pa.string()) for j in range(ncols)]
    return _text_grid(pa.table(columns, names=[str(j) for j in range(ncols)]))


def _xlsx_sheets(path: Path, kind: str = "xlsx") -> list[_Sheet]:
    sheets = []
    for name, rows in _read_xlsx(path) if kind == "xlsx" else _read_xls(path):

        def body(h: int, ncols: int, rows=rows):
            return _grid(rows[h + 1 :], ncols), np.arange(h + 2, len(rows) + 1), []

        sheets.append(_Sheet(name, rows[:MAX_TITLE_ROWS], body))
    return sheets


def _csv_sheets(path: Path) -> list[_Sheet]:
    """A CSV's head is read with the csv module; its body, however large, is streamed by Arrow.

    Line numbers are kept exactly: blank lines stay as empty rows, and lines with another number of
    fields (a notes line such as `填报人：…`) are set aside with their numbers.
    """
    if path.stat().st_size == 0:
        raise ParseError("文件是空的（0字节），请检查后重新报送")
    encoding = csv_encoding(path)
    with path.open("rb") as fh:
        head_bytes = fh.read(1 << 16)
    head_text = head_bytes.decode(encoding, errors="ignore")
    if len(head_bytes) == 1 << 16:
        head_text = head_text[: head_text.rfind("\n") + 1]
    delimiter = csv_delimiter(head_text)
    reader = csv.reader(io.StringIO(head_text, newline=""), delimiter=delimiter)
    head = [[(c.strip() or None) for c in row] for row in reader]

    def body(h: int, ncols: int):
        import pyarrow as pa
        import pyarrow.csv as pacsv

        names = [str(i) for i in range(ncols)]
        skipped: list[tuple[int, str]] = []

        def on_invalid(row) -> str:
            skipped.append((row.number, row.text))
            return "skip"

        try:
            table = pacsv.read_csv(
                path,
                read_options=pacsv.ReadOptions(
                    encoding="utf8" if encoding.startswith("utf-8") else encoding,
                    column_names=names,
                    skip_rows=h + 1,
                    use_threads=False,
                    block_size=1 << 22,
                ),
                parse_options=pacsv.ParseOptions(
                    delimiter=delimiter, invalid_row_handler=on_invalid, ignore_empty_lines=False
                ),
                convert_options=pacsv.ConvertOptions(
                    column_types={n: pa.string() for n in names}, strings_can_be_null=False
                ),
            )
        except (pa.ArrowInvalid, UnicodeDecodeError) as err:
            raise ParseError(
                "CSV文件格式有误，无法逐行读取（可能有未闭合的引号或编码错误），请用Excel另存为CSV后重新报送"
            ) from err
        grid = _text_grid(table)
        first = h + 2
        numbers = np.arange(first, first + len(grid) + len(skipped), dtype=np.int64)
        lines = numbers[~np.isin(numbers, [number for number, _ in skipped])] if skipped else numbers
        return grid, lines, skipped

    return [_Sheet(None, head[:MAX_TITLE_ROWS], body)]


def _sheets(path: Path, kind: str | None = None) -> list[_Sheet]:
    kind = kind or file_kind(path)
    return _csv_sheets(path) if kind == "csv" else _xlsx_sheets(path, kind)


_TITLE_MONTH = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月")


def title_months(path: Path, file_name: str | None = None) -> list[str]:
    """The months (`YYYY-MM`) a file's title names: the lone text of a sheet's first non-empty row (a merged
    title row), over every sheet; empty when no sheet has such a title. Resource limits apply as in `parse`."""
    from resettle.intake import limits

    kind = file_kind(Path(file_name or path.name))
    limits.check_file(path, kind)
    months = []
    for sheet in _sheets(path, kind):
        first = next((row for row in sheet.head if any(row)), [])
        cells = [c for c in first if c]
        if len(cells) == 1:
            months += [f"{m[1]}-{int(m[2]):02d}" for m in _TITLE_MONTH.finditer(cells[0]) if 1 <= int(m[2]) <= 12]
    return list(dict.fromkeys(months))


def _is_note(row: list[str | None]) -> bool:
    first = next((c for c in row if c), None)
    return first is not None and first.startswith(NOTE_PREFIXES)


def _locate_header(rows: list[list[str | None]], table: dict[str, str]) -> tuple[int, int] | None:
    best = None
    for i, row in enumerate(rows[:MAX_TITLE_ROWS]):
        score = sum(1 for c in row if c and header_key(c) in table)
        if score and (best is None or score > best[1]):
            best = (i, score)
    return best


def _text_grid(table) -> pd.DataFrame:
    """An Arrow table of text cells as the grid `parse` reads: columns numbered from 0, stray spaces trimmed,
    empty cells missing (done in Arrow, column by column, before pandas sees the cells)."""
    from concurrent.futures import ThreadPoolExecutor

    import pyarrow as pa
    import pyarrow.compute as pc

    def cells(column):
        trimmed = pc.utf8_trim_whitespace(column)
        return pc.if_else(pc.equal(trimmed, ""), pa.scalar(None, pa.string()), trimmed)

    # Arrow computes without holding the interpreter: the columns are trimmed on every core at once
    with ThreadPoolExecutor(max_workers=max(1, min(4, pa.cpu_count()))) as pool:
        columns = list(pool.map(cells, table.columns))
    grid = pa.table(columns, names=[str(i) for i in range(len(columns))]).to_pandas(
        types_mapper={pa.string(): pd.StringDtype("pyarrow")}.get
    )
    grid.columns = range(len(columns))
    return grid


def use_system_allocator() -> None:
    """Arrow's memory from the C library's allocator unless ARROW_DEFAULT_MEMORY_POOL says otherwise: with
    Arrow's default (mimalloc) a fresh process takes 0.6 s longer to read its first million-row file, and
    every file is read by a fresh task process."""
    import os

    import pyarrow as pa

    if not os.environ.get("ARROW_DEFAULT_MEMORY_POOL") and pa.default_memory_pool().backend_name != "system":
        pa.set_memory_pool(pa.system_memory_pool())
    _keep_freed_memory()


M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
"""`mallopt`'s parameters (malloc.h)."""
MMAP_THRESHOLD = 32 << 20
"""Blocks at least this large are mapped from the system apart (the most the C library allows)."""
TRIM_THRESHOLD = 1 << 30
"""Freed memory the C library keeps for the next allocation instead of handing it back to the system."""


@cache
def _keep_freed_memory() -> None:
    """Let the C library reuse the memory a big file's columns free instead of returning it to the system.

    Typing a file allocates and frees one column-sized array after another (tens of megabytes each at a
    million rows); by default each is mapped from the system and given back, so every page is faulted in
    and zeroed again: a fifth of the intake's CPU time was spent in the kernel. Freed memory is now kept by
    the process (a task's own, which ends with its files); its peak is about a tenth higher. Only the GNU C
    library has `mallopt`; elsewhere nothing changes."""
    import ctypes

    mallopt = getattr(ctypes.CDLL(None), "mallopt", None)
    if mallopt is not None:
        mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)
        mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD)


def parse(
    path: Path, dataset: str | None = None, file_name: str | None = None, candidates: tuple[str, ...] = DATASETS
) -> ParsedFile:
    """Parse a file into text columns of the dataset, keeping extra columns by their header.

    The file's kind comes from `file_name` (the clerk's name), so an archived copy can be parsed.
    """
    from resettle.intake import limits

    use_system_allocator()
    file_name = file_name or path.name
    kind = file_kind(Path(file_name))
    limits.check_file(path, kind)
    sheets = _sheets(path, kind)
    if dataset is None:
        heads = [row for sheet in sheets for row in sheet.head]
        dataset = detect_dataset(file_name, [[c or "" for c in r] for r in heads], candidates)
        if dataset is None:
            raise ParseError("无法从文件名或表头判断报送的是哪类数据（项目台账、居民台账、月度进展等），请使用标准模板")
    c = contract(dataset)
    table = _alias_table(c)
    found = [(located[1], sheet, located[0]) for sheet in sheets if (located := _locate_header(sheet.head, table))]
    if not found:
        raise ParseError(f"在文件中找不到“{c.title_zh}”的表头，请使用标准模板")
    _, sheet, h = max(found, key=lambda x: x[0])
    header_cells = sheet.head[h]
    title_row, title = next(((i + 1, cell) for i, r in enumerate(sheet.head[:h]) for cell in r if cell), (None, None))
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
            extra = cell if cell not in extras else f"{cell}（第{j + 1}列）"
            extras.append(extra)
            positions.append((j, f"extra:{extra}"))
    grid, lines, skipped = sheet.body(h, len(header_cells))
    limits.check_grid(len(grid), len(header_cells))
    filled = grid.notna().sum(axis=1).to_numpy()
    first_cell = grid[0].copy()
    if first_cell.isna().any():
        first_cell = grid.bfill(axis=1)[0]
    note_rows = first_cell.fillna("").str.startswith(NOTE_PREFIXES).to_numpy()
    note_lines = [n for n, text in skipped if text.strip().strip('"').startswith(NOTE_PREFIXES)]
    malformed = [n for n, text in skipped if n not in note_lines and text.strip(" ,\t\r\n")]
    notes_from = min([*lines[note_rows].tolist(), *note_lines], default=None)
    keep = filled > 0
    after_notes: list[int] = []
    if notes_from is not None:
        selected = [j for j, _ in positions]
        dense = (grid[selected].notna().sum(axis=1).to_numpy() >= 3) & ~note_rows
        after_notes = lines[(lines > notes_from) & dense].tolist()
        keep &= lines < notes_from
    frame = grid.loc[keep, [j for j, _ in positions]]
    frame.columns = [name for _, name in positions]
    frame = frame.reset_index(drop=True)
    missing = [col.name for col in c.columns if col.required and col.name not in columns]
    return ParsedFile(
        dataset=dataset,
        headers=[name for _, name in positions],
        columns=columns,
        frame=frame,
        row_numbers=lines[keep].tolist(),
        header_row=h + 1,
        title=title,
        title_row=title_row,
        sheet=sheet.name,
        extra_headers=extras,
        missing_columns=missing,
        rows_after_notes=after_notes,
        malformed_rows=[n for n in malformed if notes_from is None or n < notes_from],
    )
