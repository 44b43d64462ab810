"""What the DAG tasks call: a check against the warehouse URL, summarised for the task log and XCom.

Kept apart from `engine` so a task gets a small JSON-safe summary (counts and condition keys) instead of
full alert records with datetimes and message texts.
"""

from __future__ import annotations

from collections.abc import Collection


def run_check(url: str, kinds: Collection[str] | None = None, period: str | None = None) -> dict:
    """Bootstrap the ops tables if needed, run one check as of now (for `period`, else the default months),
    and summarise what was sent."""
    import psycopg

    from resettle.alerts.engine import check
    from resettle.warehouse.schema import bootstrap

    with psycopg.connect(url, autocommit=True) as conn:
        bootstrap(conn)
        sent = check(conn, kinds=set(kinds) if kinds is not None else None, periods=[period] if period else None)
    by_kind: dict[str, int] = {}
    failed = []
    for alert in sent:
        by_kind[alert["kind"]] = by_kind.get(alert["kind"], 0) + 1
        failed += [f"{alert['condition_key']} ({name})" for name, result in alert["channel_results"].items()
                   if result.get("status") == "failed"]
    return {"sent": by_kind, "keys": [a["condition_key"] for a in sent], "failed_channels": failed}
