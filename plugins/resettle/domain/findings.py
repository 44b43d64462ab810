"""A finding: one problem in a submitted file, located as the clerk sees it, in the words a clerk reads.

Made by parsing, normalizing and validating a file; stored in `ops.finding` (`excel_row`, `column_header`,
`value`, `message_zh`, `severity`, `check_name`); listed on the receipt and in the rejected-file alert.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Finding:
    """One problem in one cell (or row, or file).

    `row` is the row number in the clerk's sheet (None for the whole file), `column` the header as the clerk
    wrote it (None for a whole row), `value` the cell as written, `check` the rule that found it.
    """

    row: int | None
    column: str | None
    value: str | None
    message_zh: str
    severity: str = "error"
    check: str = "type"
