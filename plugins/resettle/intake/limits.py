"""Resource limits checked before (and while) a file is parsed, so a hostile or broken file is rejected
cleanly instead of exhausting memory, disk or time.

* the file's size;
* for xlsx (a zip): the sum of its parts' declared uncompressed sizes and each large part's compression
  ratio (a zip bomb), and each sheet's declared dimension (`A1:XFD1048576` makes readers pad every row to
  16,384 cells). Python's zipfile never inflates a part beyond its declared size, so the declared sizes
  bound what the reader can produce;
* the rows and columns really read (`check_grid`, called by the parser);
* the wall-clock time spent on one file (`time_limit`).

Every breach raises `LimitExceeded`, a ParseError, so the file is rejected with a receipt in Chinese.
Limits come from RESETTLE_LIMIT_* environment variables (see `Limits`), read when a file is processed.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import threading
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, fields
from pathlib import Path

from resettle.intake.parse import ParseError

_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="([A-Z]{1,3})?(\d+)?(?::([A-Z]{1,3})(\d+))?"')
_MB = 1 << 20


class LimitExceeded(ParseError):
    """A file beyond a resource limit; the message is for the clerk, in Chinese."""


@dataclass(frozen=True)
class Limits:
    """Each field can be set by RESETTLE_LIMIT_<FIELD NAME IN CAPITALS>."""

    file_mb: float = 200
    unzipped_mb: float = 2048
    zip_ratio: float = 200
    """Largest compression ratio of one xlsx part bigger than `ratio_floor_mb` once inflated."""
    ratio_floor_mb: float = 16
    rows: int = 2_000_000
    columns: int = 300
    cells: int = 60_000_000
    seconds: float = 900


def limits() -> Limits:
    values: dict[str, float] = {}
    defaults = Limits()
    for f in fields(Limits):
        raw = os.environ.get(f"RESETTLE_LIMIT_{f.name.upper()}")
        if raw:
            values[f.name] = type(getattr(defaults, f.name))(float(raw))
    return Limits(**values)  # type: ignore[arg-type]


def _column_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def check_file(path: Path, kind: str, lim: Limits | None = None) -> None:
    """Reject a file whose size, unzipped size, compression ratio or declared sheet size is beyond the
    limits, before any parser reads it. `kind` is `xlsx` or `csv` (from the file's name)."""
    lim = lim or limits()
    size = path.stat().st_size
    if size > lim.file_mb * _MB:
        raise LimitExceeded(
            f"文件大小为{size / _MB:.0f}MB，超过系统上限{lim.file_mb:.0f}MB，请删除无关的工作表或拆分后重新报送"
        )
    if kind == "csv":
        _check_text(path)
        return
    if kind != "xlsx":
        return
    try:
        with zipfile.ZipFile(path) as zf:
            parts = zf.infolist()
            total = sum(p.file_size for p in parts)
            if total > lim.unzipped_mb * _MB:
                raise LimitExceeded(
                    f"该Excel文件解压后为{total / _MB:.0f}MB，超过系统上限{lim.unzipped_mb:.0f}MB，"
                    "可能含有大量空白格式或隐藏内容。请只保留数据另存为 .xlsx 后重新报送"
                )
            for p in parts:
                if p.file_size > lim.ratio_floor_mb * _MB and p.file_size > lim.zip_ratio * max(p.compress_size, 1):
                    raise LimitExceeded(
                        "该Excel文件的压缩比异常（解压后体积是压缩时的数百倍以上），系统未读取。"
                        "请在Excel中打开确认后只保留数据另存为 .xlsx 重新报送"
                    )
            for p in parts:
                if p.filename.startswith("xl/worksheets/") and p.filename.endswith(".xml"):
                    with zf.open(p) as fh:
                        head = fh.read(1 << 14)
                    _check_dimension(head, lim)
    except zipfile.BadZipFile:
        return  # not a zip: the parser gives the clerk its own sentence (encrypted, .xls, damaged)


def _check_text(path: Path) -> None:
    """A CSV is text: a NUL byte means a binary file, a UTF-16 export or a damaged copy (and PostgreSQL
    refuses NUL in text), so it is rejected here with a sentence, not failed later."""
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            if b"\x00" in chunk:
                raise LimitExceeded(
                    "CSV文件中含有空字符（NUL），不是普通文本文件，"
                    "可能已损坏或以“Unicode文本”格式保存。请在Excel中另存为“CSV（逗号分隔）”后重新报送"
                )


def _check_dimension(head: bytes, lim: Limits) -> None:
    m = _DIMENSION.search(head)
    if not m:
        return
    first_col, first_row, last_col, last_row = (g.decode() if g else None for g in m.groups())
    cols = _column_number(last_col or first_col or "A") - _column_number(first_col or "A") + 1 if last_col else 1
    rows = int(last_row) - int(first_row or 1) + 1 if last_row else 1
    _check_size(rows, cols, lim, declared=True)


def _check_size(rows: int, cols: int, lim: Limits, declared: bool = False) -> None:
    said = "声明的" if declared else ""
    if cols > lim.columns:
        raise LimitExceeded(
            f"工作表{said}列数为{cols}列，超过系统上限{lim.columns}列。请删除无关的列"
            "（或清除整列格式）后另存为 .xlsx 重新报送"
        )
    if rows > lim.rows:
        raise LimitExceeded(
            f"工作表{said}行数为{rows}行，超过系统上限{lim.rows}行。请删除无关的行（或清除整行格式）后另存重新报送"
        )
    if rows * cols > lim.cells:
        raise LimitExceeded(f"工作表{said}范围为{rows}行×{cols}列，超过系统上限{lim.cells}个单元格，请拆分后重新报送")


def check_grid(rows: int, cols: int) -> None:
    """The rows and columns a parser really read (called by the parser once a sheet is read)."""
    _check_size(rows, cols, limits())


class TimeLimitExceeded(LimitExceeded):
    """Processing one file took longer than the limit."""


@contextlib.contextmanager
def time_limit(seconds: float | None = None) -> Iterator[None]:
    """Raise TimeLimitExceeded in this thread when the block runs longer than `seconds` (default: the
    configured limit). Uses SIGALRM, so it applies on the main thread (a task process, `resettle run`);
    elsewhere it is a no-op. An outer alarm (e.g. Airflow's execution timeout) is kept: when it is due first,
    it is left alone, and it is restored afterwards."""
    seconds = limits().seconds if seconds is None else seconds
    if seconds <= 0 or threading.current_thread() is not threading.main_thread():
        yield
        return
    outer_remaining, _ = signal.getitimer(signal.ITIMER_REAL)
    if outer_remaining and outer_remaining <= seconds:
        yield
        return

    def expired(signum, frame):
        raise TimeLimitExceeded(
            f"文件处理时间超过系统上限{seconds:.0f}秒，系统未能完成校验。请拆分文件或删除无关内容后重新报送"
        )

    started = time.monotonic()
    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer_remaining:
            signal.setitimer(signal.ITIMER_REAL, max(outer_remaining - (time.monotonic() - started), 0.001))
