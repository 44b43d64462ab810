"""Who has sent what for a period: the register, per source and dataset, with the expected but missing."""

from __future__ import annotations

from pathlib import Path

import psycopg

from resettle.domain import reference
from resettle.domain.config import SOURCES, settings
from resettle.domain.contracts import contract
from resettle.domain.periods import SHANGHAI
from resettle.intake.register import submissions
from resettle.timeliness.expected import expected_submissions

STATUS_ZH = {
    "received": "处理中", "accepted": "已接收", "accepted_with_warnings": "已接收（有提示）", "rejected": "已退回",
    "superseded": "已被替换", "duplicate": "重复报送", "missing": "未报送",
}


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
        out.append({
            "source": row["source"], "dataset": row["dataset"], "period": row["period"],
            "file_name": row["file_name"], "sha256": row["sha256"], "status": row["status"],
            "received_at": row["received_at"].astimezone(SHANGHAI).isoformat(), "rows": row["rows_total"],
            "errors": row["errors"], "warnings": row["warnings"], "on_time": row["received_at"] <= due[row["source"]],
            "receipt": _receipt(row),
            "message_zh": row["message_zh"], "submission_id": row["submission_id"],
        })
    for e in expected:
        if e.state != "complete":
            out.append({
                "source": e.source, "dataset": e.dataset, "period": period, "file_name": None, "sha256": None,
                "status": "missing", "received_at": None, "rows": None, "errors": None, "warnings": None,
                "on_time": None, "receipt": None, "message_zh": None, "submission_id": None,
            })
    order = {s: i for i, s in enumerate(SOURCES)}
    out.sort(key=lambda r: (order[r["source"]], r["dataset"] or "", r["submission_id"] or 1 << 62))
    return out


def format_table(rows: list[dict]) -> str:
    """The status as a table an office clerk can read at a glance."""
    def shown(value) -> str:
        return "-" if value is None else str(value)

    head = ("报送单位", "数据", "状态", "接收时间", "按时", "行数", "错误", "提示")
    lines = ["{:<12}{:<16}{:<12}{:<18}{:<5}{:>7}{:>6}{:>6}  文件".format(*head)]
    for r in rows:
        when = r["received_at"][:16].replace("T", " ") if r["received_at"] else "-"
        on_time = "-" if r["on_time"] is None else ("是" if r["on_time"] else "否")
        title = contract(r["dataset"]).title_zh.replace("逾期未回迁安置", "") if r["dataset"] else "未识别"
        lines.append(
            f"{reference.sources()[r['source']].name_zh:<12}{title:<16}{STATUS_ZH[r['status']]:<12}{when:<18}"
            f"{on_time:<5}{shown(r['rows']):>7}{shown(r['errors']):>6}{shown(r['warnings']):>6}  {r['file_name'] or ''}"
        )
    return "\n".join(lines)
