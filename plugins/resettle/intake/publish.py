"""Publish a validated submission's rows into `raw.<dataset>` by COPY, streamed in chunks.

Write-audit-publish: nothing of a rejected file reaches `raw`; the caller runs this inside the same
transaction as the register update, so an accepted file's rows and its status land together or not at
all.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

import pandas as pd
import psycopg
from psycopg.copy import QueuedLibpqWriter

from resettle.domain.pseudonym import pseudonyms
from resettle.warehouse.schema import DERIVED_COLUMNS, raw_table, stored_columns


def _extras_json(frame: pd.DataFrame, extras: list[str]) -> pd.Series:
    """Extra columns a clerk added, kept per row as JSON (header → value), or NULL when none were filled."""
    if not extras:
        return pd.Series(None, index=frame.index, dtype=object)
    names = [e[len("extra:") :] for e in extras]

    def row_json(values) -> str | None:
        kept = {n: v for n, v in zip(names, values, strict=True) if not pd.isna(v)}
        return json.dumps(kept, ensure_ascii=False) if kept else None

    return pd.Series([row_json(v) for v in frame[extras].itertuples(index=False, name=None)], index=frame.index)


def copy_rows(
    conn: psycopg.Connection,
    submission_id: int,
    source: str,
    period: str,
    chunks: Iterable[pd.DataFrame],
    dataset: str,
) -> int:
    """COPY the typed chunks' contract columns (and extras as JSON) with their lineage; returns rows written.

    The chunks may still be being typed: each is sent as soon as the iterable yields it.
    """
    names = list(stored_columns(dataset))
    derived = list(DERIVED_COLUMNS.get(dataset, ()))
    columns = ["submission_id", "source", "period", "source_row", "extras", *names, *derived]
    sql = f"copy {raw_table(dataset)} ({', '.join(columns)}) from stdin with (format csv)"
    written = 0
    # The queued writer sends to the server from its own thread: the next chunk is formatted while the
    # server parses the last one, instead of each waiting for the other.
    with conn.cursor() as cur, cur.copy(sql, writer=QueuedLibpqWriter(cur)) as copy:
        for part in chunks:
            extras = [c for c in part.columns if c.startswith("extra:")]
            out = pd.DataFrame(
                {
                    "submission_id": submission_id,
                    "source": source,
                    "period": period,
                    "source_row": part["source_row"],
                    "extras": _extras_json(part, extras),
                }
            )
            if "id_pseudonym" in derived:
                out_derived = pd.DataFrame({"id_pseudonym": pseudonyms(part["id_number"])}, index=part.index)
            else:
                out_derived = pd.DataFrame(index=part.index)
            copy.write(_csv_bytes(pd.concat([out, part[names], out_derived], axis=1)))
            written += len(part)
    return written


def _csv_bytes(frame: pd.DataFrame) -> memoryview:
    """CSV for COPY, written by Arrow: dates as ISO days, missing values as unquoted empty fields (NULL).

    Written into Arrow's own buffer, not a Python file object: Arrow would then take the interpreter lock for
    every batch it writes, and wait for it each time while the intake's other thread types the next rows."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    table = pa.Table.from_pandas(frame, preserve_index=False)
    for i, field in enumerate(table.schema):
        if pa.types.is_timestamp(field.type):
            table = table.set_column(i, field.name, pc.cast(table.column(i), pa.date32()))
    sink = pa.BufferOutputStream()
    pacsv.write_csv(table, sink, write_options=pacsv.WriteOptions(include_header=False, quoting_style="needed"))
    return memoryview(sink.getvalue())
