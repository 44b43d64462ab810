"""What the DAG tasks call: a check against the warehouse URL, summarised for the task log and XCom.

Kept apart from `engine` so a task gets a small JSON-safe summary (counts and condition keys) instead of
full alert records with datetimes and message texts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection


def run_check(
    url: str, kinds: Collection[str] | None = None, period: str | None = None, as_of: dt.datetime | None = None
) -> dict:
    """Bootstrap the ops tables if needed, run one check as of now or `as_of` (for `period`, else the
    default months), and summarise what was sent."""
    import psycopg

    from resettle.alerts.channels import channel_tally
    from resettle.alerts.engine import check
    from resettle.warehouse.schema import bootstrap

    with psycopg.connect(url, autocommit=True) as conn:
        bootstrap(conn)
        sent = check(conn, as_of, kinds=set(kinds) if kinds is not None else None, periods=[period] if period else None)
    by_kind: dict[str, int] = {}
    failed = []
    for alert in sent:
        by_kind[alert["kind"]] = by_kind.get(alert["kind"], 0) + 1
        failed += [
            f"{alert['condition_key']} ({name})"
            for name, result in alert["channel_results"].items()
            if result.get("status") == "failed"
        ]
    return {
        "sent": by_kind,
        "keys": [a["condition_key"] for a in sent],
        "failed_channels": failed,
        "channels": channel_tally(sent),
    }


def describe(summary: dict) -> str:
    """A check's summary in one readable line, e.g. `12 alerts (late 6, reminder 6); email: sent 12;
    webhook: skipped 12 (not configured)`."""
    total = sum(summary["sent"].values())
    kinds = ", ".join(f"{kind} {n}" for kind, n in sorted(summary["sent"].items()))
    text = f"{total} alert{'s' if total != 1 else ''}" + (f" ({kinds})" if kinds else "")
    for name, counts in summary.get("channels", {}).items():
        shown = ", ".join(f"{status} {n}" for status, n in sorted(counts.items()))
        text += f"; {name}: {shown}" + (" (not configured)" if set(counts) == {"skipped"} else "")
    if summary["failed_channels"]:
        text += f"; FAILED: {', '.join(summary['failed_channels'][:5])}"
    return text


def file_failed(url: str, outcome: dict) -> dict | None:
    """Tell the engineers that processing a file failed on our side (once per submission)."""
    import psycopg

    from resettle.alerts import messages
    from resettle.alerts.conditions import Condition, key
    from resettle.alerts.engine import notify
    from resettle.domain import reference

    title, text = messages.file_failed(
        reference.sources()[outcome["source"]].name_zh,
        outcome["period"],
        outcome["file_name"],
        outcome["submission_id"],
        outcome.get("error"),
    )
    condition = Condition(
        key("pipeline", "file_failed", outcome["submission_id"]),
        "pipeline",
        title,
        text,
        source=outcome["source"],
        dataset=outcome.get("dataset"),
        period=outcome["period"],
        submission_id=outcome["submission_id"],
        facts={"error": outcome.get("error")},
    )
    try:
        conn = psycopg.connect(url, autocommit=True, connect_timeout=5)
    except Exception:
        conn = None
    try:
        sent = notify(conn, condition)
    finally:
        if conn is not None:
            conn.close()
    return {"condition_key": sent["condition_key"]} if sent else None
