"""What the commands print: tables aligned by display width (a Chinese character takes two cells), JSON
for scripts, and one line per step of long work.

Tables are drawn by `rich`, which measures East Asian wide characters, so a column of 向阳区 lines up with a
column of `taishan`. Nothing here knows about the data; each command passes headers and rows.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal

EMPTY = "（无）"


def text_table(
    head: Sequence[str], rows: Iterable[Sequence], right: Iterable[int] = (), width: int | None = None
) -> str:
    """A plain-text table (no colour codes) with columns padded by display width.

    `right` lists the column positions to right-align (counts). Columns are never cut: a terminal narrower
    than the table wraps lines rather than hiding a file name or a message.
    """
    from rich.console import Console
    from rich.table import Table

    rows = [tuple(rows_) for rows_ in rows]
    aligned = set(right)
    table = Table(box=None, pad_edge=False, header_style="", expand=False)
    for i, name in enumerate(head):
        table.add_column(name, justify="right" if i in aligned else "left", no_wrap=True)
    for row in rows:
        table.add_row(*("-" if v is None or v == "" else str(v) for v in row))
    console = Console(
        width=width or 10_000,
        color_system=None,
        force_terminal=False,
        record=True,
        file=_Discard(),
        highlight=False,
        emoji=False,
        soft_wrap=False,
    )
    console.print(table)
    lines = console.export_text(styles=False).splitlines()
    return "\n".join(line.rstrip() for line in lines if line.strip())


class _Discard:
    def write(self, text: str) -> int:
        return len(text)

    def flush(self) -> None:
        pass


def _default(value):
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    return str(value)


def to_json(value) -> str:
    """JSON for scripts: Chinese as is, datetimes as ISO 8601, decimals as numbers."""
    return json.dumps(value, ensure_ascii=False, indent=2, default=_default)


def table_or_empty(head: Sequence[str], rows: Iterable[Sequence], right: Iterable[int] = ()) -> str:
    """A table of the rows, or 「（无）」 when there are none."""
    rows = list(rows)
    return text_table(head, rows, right) if rows else EMPTY


def print_listing(as_json: bool, data, table: Callable[[], str]) -> None:
    """What a listing command prints: the data as JSON for scripts (`--json`), else the table people read
    (built only when it is shown)."""
    print(to_json(data) if as_json else table())
