"""Who has sent what for a period: the register, per source and dataset, with the expected but missing."""

from __future__ import annotations

from pathlib import Path

import psycopg

from resettle.domain.config import SOURCES, settings
from resettle.domain.periods import SHANGHAI
from resettle.intake.register import submissions
from resettle.timeliness.expected import expected_submissions

MISSING_ZH = "未报送"
"""An expected dataset with no file yet (not a status of any file; the statuses are in the seed)."""


def _receipt(row: dict) -> str | None:
    from resettle.intake.receipt import receipt_path

    path = receipt_path(settings().outbox, row["source"], row["period"], row["file_name"], row["submission_id"])
    return str(path) if Path(path).exists() else None


def period_status(conn: psycopg.Connection, period: str) -> list[dict]:
    """Every file registered for the period, then one `missing` entry per expected dataset never accepted."""
    expected = expected_submissions(conn, period)
    due = {e.source: e.due_at for e in expected}
    out = []
    for row in submissions(conn, period):
        out.append(
            {
                "source": row["source"],
                "dataset": row["dataset"],
                "period": row["period"],
                "file_name": row["file_name"],
                "sha256": row["sha256"],
                "status": row["status"],
                "received_at": row["received_at"].astimezone(SHANGHAI).isoformat(),
                "rows": row["rows_total"],
                "errors": row["errors"],
                "warnings": row["warnings"],
                "on_time": row["received_at"] <= due[row["source"]],
                "receipt": _receipt(row),
                "message_zh": row["message_zh"],
                "submission_id": row["submission_id"],
            }
        )
    for e in expected:
        if e.state != "complete":
            out.append(
                {
                    "source": e.source,
                    "dataset": e.dataset,
                    "period": period,
                    "file_name": None,
                    "sha256": None,
                    "status": "missing",
                    "received_at": None,
                    "rows": None,
                    "errors": None,
                    "warnings": None,
                    "on_time": None,
                    "receipt": None,
                    "message_zh": None,
                    "submission_id": None,
                }
            )
    order = {s: i for i, s in enumerate(SOURCES)}
    out.sort(key=lambda r: (order[r["source"]], r["dataset"] or "", r["submission_id"] or 1 << 62))
    return out
