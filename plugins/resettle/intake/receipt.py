"""The receipt workbook a sender gets back for every file decided, in Chinese they can act on.

A clerk fixes a file in Excel, so the receipt speaks Excel: the first sheet (`回执`) says what happened and
lists every problem with the row number and column header exactly as they appear in the clerk's own file;
the second sheet (`原表标注`) is a copy of their data at the same cell positions with each problem cell
filled red (error) or yellow (warning) and a comment explaining it. A file that cannot be read at all
still gets the first sheet; a file accepted without a problem (or a duplicate) gets a short receipt: the
first sheet's summary alone (已接收), no table and no copy.

Receipts live at `<outbox>/<source>/<YYYY-MM>/<stem>_回执_<submission_id>.xlsx` (see `receipt_path`), are
written atomically, and are byte-for-byte reproducible from the same inputs.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
import shutil
import unicodedata
import uuid
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from resettle.domain import reference
from resettle.domain.contracts import contract
from resettle.domain.findings import Finding
from resettle.domain.text import is_formula_like
from resettle.domain.vocabulary import severity_zh, statuses
from resettle.intake.archive import FILE_MODE, private_dir
from resettle.intake.parse import MAX_TITLE_ROWS, cell_text, file_kind, read_sheets

RECEIPT_SHEET = "回执"
ANNOTATED_SHEET = "原表标注"
MAX_COPY_ROWS = 200_000
EXCEL_MAX_COLUMNS = 16_384
EXCEL_MAX_TEXT = 32_767

ERROR_COLOR = "FFFFC7CE"
WARNING_COLOR = "FFFFEB9C"
NOT_COPIED_NOTE = "未生成标注副本。"
NO_PROBLEMS_NOTE = "未发现问题，无需标注。"
TABLE_HEADERS = ("序号", "行号", "列名", "填写的值", "问题说明", "级别")
TABLE_WIDTHS = (12, 8, 22, 28, 60, 8)
UNREADABLE_NOTE = "原文件无法读取，未生成标注副本。"
ANNOTATED_NOTE = "出错的单元格已在“原表标注”工作表中标出：红色为错误，黄色为提示，鼠标停在单元格上可看说明。"

_SHANGHAI_OFFSET = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")  # no daylight saving since 1991
_PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_SAFE_SEGMENT = re.compile(r"^[A-Za-z0-9_\-]+$")
_UNSAFE_IN_NAME = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')
_MAX_STEM_BYTES = 150
_FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_AUTHOR = "数据校验"
_BOLD = Font(bold=True)
_WRAP = Alignment(wrap_text=True, vertical="top")


# --- where a receipt lives ---------------------------------------------------------------------------------


def safe_stem(file_name: str) -> str:
    """The clerk's file name without folders, suffix or characters a file system refuses; Chinese is kept."""
    name = re.split(r"[/\\]", str(file_name))[-1]
    stem = Path(name).stem if "." in name.strip(".") else name
    stem = _UNSAFE_IN_NAME.sub("_", unicodedata.normalize("NFC", stem))
    stem = re.sub(r"\s+", " ", stem).strip(" ._")
    while len(stem.encode("utf-8")) > _MAX_STEM_BYTES:
        stem = stem[:-1]
    return stem.rstrip(" .") or "文件"


def receipt_path(outbox: Path, source: str, period: str, file_name: str, submission_id: int) -> Path:
    """`<outbox>/<source>/<YYYY-MM>/<stem>_回执_<submission_id>.xlsx`; the writer and every reader use this."""
    if not _SAFE_SEGMENT.match(source):
        raise ValueError(f"source {source!r} is not a plain folder name")
    if not _PERIOD.match(period):
        raise ValueError(f"period {period!r} is not YYYY-MM")
    return Path(outbox) / source / period / f"{safe_stem(file_name)}_回执_{int(submission_id)}.xlsx"


# --- the workbook ------------------------------------------------------------------------------------------


def write_receipt(
    outbox: Path,
    *,
    source: str,
    period: str,
    file_name: str,
    dataset: str | None,
    status: str,
    submission_id: int,
    received_at: dt.datetime,
    findings: list[Finding],
    original: Path | None,
    sheet: str | None = None,
    header_row: int | None = None,
    message_zh: str,
) -> Path:
    """Write the receipt for one processed file and return its path (an existing receipt is replaced).

    `received_at` is shown in Beijing time; a naive datetime is taken as UTC. `original` is the file as
    received (the archived copy is fine); `sheet` and `header_row` are where the parser found the data.
    Pass `original=None` unless the file was parsed as the sender's own dataset: a receipt never copies
    content that was not (a linked secret, another district's file, a file nobody could identify).
    """
    wording = statuses().get(status)
    if wording is None or not wording.next_step_zh:
        raise ValueError(f"no receipt wording for status {status!r}")
    path = receipt_path(outbox, source, period, file_name, submission_id)
    ordered = _ordered(findings)
    wb = Workbook(write_only=True)
    receipt_ws = wb.create_sheet(RECEIPT_SHEET)
    annotation = (
        _annotate(wb, Path(original), sheet, header_row, ordered)
        if original is not None
        else _Annotation(skipped=True, clean=not ordered and status in ("accepted", "superseded", "duplicate"))
    )
    _write_receipt_sheet(
        receipt_ws,
        header=[
            ("报送单位", _source_name(source)),
            ("报送期", f"{period[:4]}年{int(period[5:])}月"),
            ("文件名", str(file_name)),
            ("数据类型", _dataset_title(dataset)),
            ("接收时间", _beijing(received_at).strftime("%Y-%m-%d %H:%M")),
            ("处理结果", wording.status_zh),
            ("说明", message_zh),
            ("问题数量", f"错误 {_count(ordered, 'error')} 处 / 提示 {_count(ordered, 'warning')} 处"),
            ("下一步", wording.next_step_zh),
            ("标注副本", annotation.note),
        ],
        findings=ordered,
    )
    stamp = _utc_naive(received_at)
    wb.properties.creator = wb.properties.lastModifiedBy = _AUTHOR
    wb.properties.title = f"{file_name} 回执"
    wb.properties.created = wb.properties.modified = stamp
    for folder in (path.parent.parent.parent, path.parent.parent, path.parent):
        private_dir(folder)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        wb.save(tmp)
        _make_reproducible(tmp, stamp)
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def _source_name(source: str) -> str:
    known = reference.sources().get(source)
    return known.name_zh if known else source


def _dataset_title(dataset: str | None) -> str:
    if not dataset:
        return "未能识别"
    try:
        return contract(dataset).title_zh
    except KeyError:
        return "未能识别"


def _utc_naive(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return moment.replace(microsecond=0)


def _beijing(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(_SHANGHAI_OFFSET)


def _is_error(f: Finding) -> bool:
    return f.severity != "warning"


def _count(findings: list[Finding], severity: str) -> int:
    return sum(1 for f in findings if _is_error(f) == (severity == "error"))


def _ordered(findings: Iterable[Finding]) -> list[Finding]:
    """Errors before warnings; within each, file-level problems first, then by row, in the order given."""
    return sorted(findings, key=lambda f: (not _is_error(f), f.row is not None, f.row or 0))


def _text(value: object) -> str:
    """Text Excel accepts: no control characters, not longer than a cell holds."""
    return ILLEGAL_CHARACTERS_RE.sub("", str(value))[:EXCEL_MAX_TEXT]


def _needs_care(text: str) -> bool:
    """Text openpyxl would store as a formula or an error, or refuse, if appended as a plain value, or that
    Excel would take for a formula once a user edits the cell (it then gets the quote prefix)."""
    return (
        is_formula_like(text)
        or text in ERROR_CODES
        or len(text) > EXCEL_MAX_TEXT
        or ILLEGAL_CHARACTERS_RE.search(text) is not None
    )


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _cell(
    ws,
    value: object,
    *,
    font: Font | None = None,
    fill: PatternFill | None = None,
    number_format: str | None = None,
    wrap: bool = False,
) -> WriteOnlyCell:
    """A cell whose text stays text (a value starting with '=' is not turned into a formula)."""
    is_text = isinstance(value, str)
    if is_text:
        value = _text(value)
    cell = WriteOnlyCell(ws, value=value)
    if is_text and cell.data_type != "s":
        cell.data_type = "s"
    if isinstance(value, str) and is_formula_like(value):
        cell.quotePrefix = True
    if font:
        cell.font = font
    if fill:
        cell.fill = fill
    if number_format and number_format != "General":
        cell.number_format = number_format
    if wrap:
        cell.alignment = _WRAP
    return cell


def _fill(error: bool) -> PatternFill:
    color = ERROR_COLOR if error else WARNING_COLOR
    return PatternFill(fill_type="solid", start_color=color, end_color=color)


def _write_receipt_sheet(ws, *, header: list[tuple[str, str]], findings: list[Finding]) -> None:
    last_col = get_column_letter(len(TABLE_HEADERS))
    merged_width = sum(TABLE_WIDTHS[1:])
    for i, width in enumerate(TABLE_WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    table_row = len(header) + 3
    if findings:  # a receipt without problems is the summary alone
        ws.freeze_panes = f"A{table_row + 1}"
        ws.print_title_rows = f"{table_row}:{table_row}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True

    ws.append([_cell(ws, "数据报送回执", font=Font(bold=True, size=14))])
    ws.merged_cells.add(f"A1:{last_col}1")
    ws.row_dimensions[1].height = 24
    for row, (label, value) in enumerate(header, start=2):
        ws.append([_cell(ws, label, font=_BOLD, wrap=True), _cell(ws, value or "", wrap=True)])
        ws.merged_cells.add(f"B{row}:{last_col}{row}")
        lines = max(1, math.ceil(_width(value or "") / (merged_width * 0.95)))
        if lines > 1:
            ws.row_dimensions[row].height = 17 * lines
    if not findings:
        return
    ws.append([])
    ws.append([_cell(ws, h, font=_BOLD, wrap=True) for h in TABLE_HEADERS])
    for number, f in enumerate(findings, start=1):
        error = _is_error(f)
        ws.append(
            [
                _cell(ws, number),
                _cell(ws, f.row) if f.row is not None else None,
                _cell(ws, f.column, wrap=True) if f.column else None,
                _cell(ws, f.value, wrap=True) if f.value is not None else None,
                _cell(ws, f.message_zh, wrap=True),
                _cell(ws, severity_zh("error" if error else "warning"), fill=_fill(error)),
            ]
        )
    ws.auto_filter.ref = f"A{table_row}:{last_col}{table_row + max(len(findings), 1)}"


# --- the annotated copy ------------------------------------------------------------------------------------


@dataclass
class _Annotation:
    """What became of the annotated copy, for the receipt's note."""

    copied: bool = False
    rows: int = 0
    truncated: bool = False
    broken_after: int | None = None
    marks: dict[int, dict[int, list[Finding]]] = field(default_factory=dict)
    skipped: bool = False
    clean: bool = False
    """Nothing to mark: the file was accepted without a problem."""

    @property
    def note(self) -> str:
        if self.clean:
            return NO_PROBLEMS_NOTE
        if self.skipped:
            return NOT_COPIED_NOTE
        if not self.copied:
            return UNREADABLE_NOTE
        notes = [ANNOTATED_NOTE]
        if self.truncated:
            notes.append(f"原文件超过{MAX_COPY_ROWS}行，标注副本只包含前{MAX_COPY_ROWS}行，其后各行的问题请看下表。")
        if self.broken_after is not None:
            notes.append(f"原文件第{self.broken_after}行之后无法读取，标注副本不完整，问题请以下表为准。")
        return "".join(notes)


@dataclass
class _Source:
    """The clerk's sheet as rows of (value, number format), whatever the file type."""

    rows: Iterator[list[tuple[object, str | None]]]
    close: Callable[[], None] | None = None


def _open_xlsx(path: Path, sheet: str | None) -> _Source:
    wb = load_workbook(path, read_only=True, data_only=True, keep_links=False)
    try:
        ws = next((s for s in wb.worksheets if s.title == sheet), None) or wb.worksheets[0]
        ws.reset_dimensions()  # trust the cells, not a (sometimes absurd) declared sheet size
    except Exception:
        wb.close()
        raise

    def rows() -> Iterator[list[tuple[object, str | None]]]:
        for row in ws.iter_rows():
            yield [(getattr(c, "value", None), getattr(c, "number_format", None)) for c in row]

    return _Source(rows(), wb.close)


def _open_csv(path: Path) -> _Source:
    (_, rows), *_ = read_sheets(path)
    return _Source([(v, None) for v in row] for row in rows)


def _open_xls(path: Path, sheet: str | None) -> _Source:
    sheets = read_sheets(path)
    _, rows = next((s for s in sheets if s[0] == sheet), sheets[0])
    return _Source([(v, None) for v in row] for row in rows)


def _open(path: Path, sheet: str | None) -> _Source:
    kind = file_kind(path)  # raises the parser's own error for other types
    if kind == "xlsx":
        return _open_xlsx(path, sheet)
    return _open_xls(path, sheet) if kind == "xls" else _open_csv(path)


def _find_header_row(
    rows: list[list[tuple[object, str | None]]], header_row: int | None, findings: list[Finding]
) -> int | None:
    """The given header row, or else the early row naming most of the findings' columns."""
    if header_row:
        return header_row
    wanted = {f.column for f in findings if f.column}
    best, best_score = None, 0
    for i, row in enumerate(rows[:MAX_TITLE_ROWS], start=1):
        score = sum(1 for v, _ in row if cell_text(v) in wanted)
        if score > best_score:
            best, best_score = i, score
    return best


def _locate(findings: list[Finding], header: list[tuple[object, str | None]]) -> dict[int, dict[int, list]]:
    """{row: {column: findings}}: a finding's cell is under its header as written, else the row's first cell.

    File-level findings (no row) are left to the receipt sheet.
    """
    columns: dict[str, int] = {}
    for j, (value, _) in enumerate(header, start=1):
        text = cell_text(value)
        if text and text not in columns:
            columns[text] = j
    marks: dict[int, dict[int, list[Finding]]] = {}
    for f in findings:
        if f.row is None or f.row < 1:
            continue
        col = columns.get(f.column) if f.column else None
        marks.setdefault(f.row, {}).setdefault(col or 1, []).append(f)
    return marks


def _comment(cell_findings: list[Finding], column: int, header: dict[int, str | None]) -> Comment:
    lines = []
    for f in cell_findings:
        where = f"（“{f.column}”列）" if f.column and header.get(column) != f.column else ""
        lines.append(f"{severity_zh('error' if _is_error(f) else 'warning')}{where}：{f.message_zh}")
    text = _text("\n".join(lines))
    height = 20 + 18 * sum(max(1, math.ceil(_width(line) / 36)) for line in lines)
    return Comment(text, _AUTHOR, height=min(height, 400), width=260)


def _annotate(
    wb: Workbook, original: Path, sheet: str | None, header_row: int | None, findings: list[Finding]
) -> _Annotation:
    """Copy the clerk's sheet into `原表标注` at the same positions and mark each finding's cell."""
    result = _Annotation()
    try:
        source = _open(original, sheet)
    except Exception:
        return result
    try:
        head: list[list[tuple[object, str | None]]] = []
        try:
            for row in source.rows:
                head.append(row)
                if len(head) >= max(header_row or 0, MAX_TITLE_ROWS) + 50:
                    break
        except Exception:
            return result
        h = _find_header_row(head, header_row, findings)
        header = head[h - 1] if h and h <= len(head) else []
        result.marks = _locate(findings, header)
        header_names = {j: cell_text(v) for j, (v, _) in enumerate(header, start=1)}
        result.copied = True
        ws = wb.create_sheet(ANNOTATED_SHEET)
        widths: dict[int, int] = {}
        for row in head[h - 1 if h else 0 :]:  # a merged title above the header would make column A huge
            for j, (value, _) in enumerate(row[:EXCEL_MAX_COLUMNS], start=1):
                if value is not None:
                    widths[j] = max(widths.get(j, 0), _width(cell_text(value) or ""))
        for j, width in widths.items():
            ws.column_dimensions[get_column_letter(j)].width = min(max(width + 2, 8), 40)
        if h:
            ws.freeze_panes = f"A{h + 1}"
        rows = _chain(head, source.rows)
        number = 0
        try:
            for row in rows:
                if number == MAX_COPY_ROWS:
                    result.truncated = any(any(v is not None and v != "" for v, _ in r) for r in _chain([row], rows))
                    break
                number += 1
                ws.append(_copied_row(ws, number, row, result.marks, header_names))
        except Exception:
            result.broken_after = number
        result.rows = number
        return result
    finally:
        if source.close:
            source.close()


def _chain(first: list, rest: Iterator) -> Iterator:
    yield from first
    yield from rest


def _copied_row(
    ws,
    number: int,
    row: list[tuple[object, str | None]],
    marks: dict[int, dict[int, list]],
    header: dict[int, str | None],
) -> list:
    width = len(row)
    while width and row[width - 1][0] in (None, ""):
        width -= 1
    marked = marks.get(number, {})
    width = min(max([width, *marked]), EXCEL_MAX_COLUMNS)
    cells: list = []
    for j in range(1, width + 1):
        value, fmt = row[j - 1] if j <= len(row) else (None, None)
        here = marked.get(j)
        if here:
            cell = _cell(ws, value, number_format=fmt, fill=_fill(any(_is_error(f) for f in here)))
            cell.comment = _comment(here, j, header)
            cells.append(cell)
        elif value is None:
            cells.append(None)
        elif (fmt and fmt != "General") or (isinstance(value, str) and _needs_care(value)):
            cells.append(_cell(ws, value, number_format=fmt))
        else:
            cells.append(value)  # plain values stream much faster than cell objects
    return cells


# --- reproducible bytes ------------------------------------------------------------------------------------


def _make_reproducible(path: Path, stamp: dt.datetime) -> None:
    """Fixed zip entry times and a fixed modification time, so the same inputs give the same bytes."""
    modified = f"{stamp.isoformat(timespec='seconds')}Z".encode()
    fixed = path.with_name(path.name + ".z")
    try:
        with zipfile.ZipFile(path) as src, zipfile.ZipFile(fixed, "w", zipfile.ZIP_DEFLATED) as dst:
            for info in src.infolist():
                entry = zipfile.ZipInfo(info.filename, date_time=_FIXED_ZIP_TIME)
                entry.compress_type = zipfile.ZIP_DEFLATED
                entry.external_attr = 0o644 << 16
                if info.filename == "docProps/core.xml":
                    xml = re.sub(
                        rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                        rb"\g<1>" + modified + rb"\g<2>",
                        src.read(info),
                    )
                    dst.writestr(entry, xml)
                    continue
                with src.open(info) as fin, dst.open(entry, "w", force_zip64=info.file_size > 2**30) as fout:
                    shutil.copyfileobj(fin, fout, 1 << 20)
        os.replace(fixed, path)
    finally:
        fixed.unlink(missing_ok=True)
