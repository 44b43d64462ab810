"""Publish a validated submission: rows into `raw.<dataset>` by COPY, and the register, in one transaction.

Write-audit-publish: nothing of a rejected file reaches `raw`; an accepted file's rows and its register
status land together or not at all, and an earlier accepted file for the same source, dataset and period
is marked superseded in the same transaction.
"""

from __future__ import annotations

import json
import math

import pandas as pd
import psycopg

from resettle.contracts import contract
from resettle.warehouse.schema import raw_table


def _value(v):
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, float) and math.isnan(v):
        return None
    if isinstance(v, pd.Timestamp):
        return v.date()
    return v


def copy_rows(conn: psycopg.Connection, submission_id: int, source: str, period: str, frame: pd.DataFrame,
              dataset: str) -> int:
    """COPY the frame's contract columns (and extras as JSON) with their lineage; returns rows written."""
    names = list(contract(dataset).column_names)
    extras = [c for c in frame.columns if c.startswith("extra:")]
    columns = ["submission_id", "source", "period", "source_row", "extras", *names]
    sql = f"copy {raw_table(dataset)} ({', '.join(columns)}) from stdin"
    count = 0
    with conn.cursor() as cur, cur.copy(sql) as copy:
        records = frame[["source_row", *names, *extras]].itertuples(index=False, name=None)
        for record in records:
            source_row, values, extra_values = record[0], record[1:len(names) + 1], record[len(names) + 1:]
            extra = {h[len("extra:"):]: v for h, v in zip(extras, extra_values, strict=True) if _value(v) is not None}
            copy.write_row([submission_id, source, period, int(source_row), json.dumps(extra, ensure_ascii=False)
                            if extra else None, *(_value(v) for v in values)])
            count += 1
    return count
