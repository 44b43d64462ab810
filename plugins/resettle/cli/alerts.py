"""`resettle alerts check|list`: run a check by hand (or replay one at a past moment) and read the log.

`add_commands(subparsers)` adds the `alerts` command to the `resettle` parser (plugins/resettle/cli/__init__.py);
tables are printed in Chinese, aligned for CJK characters, for the office staff who read them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys

from resettle.alerts.channels import channel_tally
from resettle.cli.options import add_json, command
from resettle.domain.periods import SHANGHAI, moment_arg, period_arg
from resettle.domain.vocabulary import kind_zh

CHANNEL_ZH = {"sent": "已发送", "failed": "失败", "skipped": "未配置"}


def _names() -> tuple[dict[str, str], dict[str, str]]:
    from resettle.alerts.engine import _names_and_titles

    return _names_and_titles()


def _channel(results: dict, name: str) -> str:
    result = (results or {}).get(name)
    return CHANNEL_ZH.get(result.get("status"), result.get("status")) if result else "-"


def _when(moment: dt.datetime | None) -> str:
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") if moment else "-"


def format_tally(tally: dict[str, dict[str, int]]) -> str:
    """`邮件：已发送 3、失败 1；群消息：未配置 4` (empty when nothing was tried)."""
    names = {"email": "邮件", "webhook": "群消息"}
    parts = []
    for name, counts in tally.items():
        shown = "、".join(f"{CHANNEL_ZH.get(status, status)} {n}" for status, n in sorted(counts.items()))
        parts.append(f"{names.get(name, name)}：{shown}")
    return "；".join(parts)


def format_alerts(alerts: list[dict], with_resolution: bool = False) -> str:
    """Alerts (from `check` or the log) as a table: kind, source, dataset, month, channels, title."""
    names, titles = _names()
    from resettle.cli.terminal import EMPTY, text_table

    head = ("编号", "时间", "类型", "报送单位", "数据", "月份", "邮件", "群消息")
    if with_resolution:
        head = (*head, "解除时间")
    rows = []
    for a in alerts:
        row = [
            a.get("alert_id"),
            _when(a["sent_at"]),
            kind_zh(a["kind"]),
            names.get(a["source"], a["source"]),
            titles.get(a["dataset"], a["dataset"]),
            a["period"],
            _channel(a["channel_results"], "email"),
            _channel(a["channel_results"], "webhook"),
        ]
        if with_resolution:
            row.append(_when(a.get("resolved_at")) if a.get("resolved_at") else "未解除")
        rows.append((*row, a["title_zh"]))
    return text_table((*head, "标题"), rows, right=(0,)) if rows else EMPTY


def _quiet() -> None:
    """Keep the table readable: Airflow warns on stdout about short connection fields it cannot mask."""
    import logging

    import airflow.sdk  # noqa: F401  (configures Airflow's logging first, which would undo the level below)

    logging.getLogger("airflow.sdk._shared.secrets_masker.secrets_masker").setLevel(logging.ERROR)
    logging.getLogger("resettle.alerts").setLevel(logging.WARNING)  # the table says it; failures still show


def _connect():
    import psycopg

    from resettle import warehouse
    from resettle.warehouse.schema import bootstrap

    conn = psycopg.connect(warehouse.url(start=True), autocommit=True)
    bootstrap(conn)
    return conn


def cmd_check(args: argparse.Namespace) -> int:
    from resettle.alerts.contacts import ContactsError
    from resettle.alerts.engine import check

    _quiet()
    try:
        with _connect() as conn:
            sent = check(conn, args.as_of, periods=args.period, dry_run=args.dry_run)
    except ContactsError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    tally = channel_tally(sent)
    failed = sum(counts.get("failed", 0) for counts in tally.values())
    if args.json:
        from resettle.cli.terminal import to_json

        print(to_json({"dry_run": args.dry_run, "alerts": sent, "channels": tally, "failed_channels": failed}))
        return 1 if failed else 0
    verb = "将发送" if args.dry_run else "已发送"
    print(f"{verb} {len(sent)} 条提醒" + ("（试运行，未发送、未记录）" if args.dry_run else ""))
    if sent:
        print(format_alerts(sent))
    if tally:
        print(format_tally(tally))
    if failed:
        print(f"error: {failed} 次发送失败（见上表；下次检查时重试）", file=sys.stderr)
        return 1
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from resettle.alerts.alert_log import listing

    with _connect() as conn:
        rows = listing(conn, open_only=args.open, limit=args.limit)
    from resettle.cli.terminal import print_listing

    print_listing(args.json, rows, lambda: format_alerts(rows, with_resolution=True))
    return 0


def add_commands(subparsers) -> argparse.ArgumentParser:
    """Add `alerts check` and `alerts list` to the `resettle` command's subparsers."""
    a = subparsers.add_parser(
        "alerts",
        help="send due reminders and late/invalid-file alerts; read the alert log",
        description="Evaluate the alert conditions (reminder, late, escalation, invalid file) "
        "as of a moment, send what is due by email and webhook, and log it in "
        "ops.alert. Contacts: plugins/resettle/alerts/contacts.yml or "
        "RESETTLE_CONTACTS; channels: Airflow connections smtp_default and "
        "resettle_webhook (AIRFLOW_CONN_*).",
    )
    sub = a.add_subparsers(dest="alerts_action", required=True, metavar="ACTION")
    c = command(
        sub,
        "check",
        cmd_check,
        help="send the alerts due now (or as of --as-of)",
        description="Send every alert due, at most once per cadence; resolve cleared ones. "
        "Exits 1 when a channel failed to deliver an alert (it is retried next check).",
    )
    c.add_argument(
        "--as-of",
        type=moment_arg,
        help="evaluate as of this moment (ISO; default now; without an offset: Beijing time)",
    )
    c.add_argument(
        "--period",
        type=period_arg,
        action="append",
        help="reporting month YYYY-MM (repeatable; default: the last month due and the current one)",
    )
    c.add_argument("--dry-run", action="store_true", help="show what would be sent; send and record nothing")
    add_json(c, "print the alerts and channel results as JSON")
    lst = command(sub, "list", cmd_list, help="the alert log, newest first", description="Alerts sent, newest first.")
    lst.add_argument("--open", action="store_true", help="only alerts whose condition has not cleared")
    lst.add_argument("--limit", type=int, default=200, help="at most this many rows (default 200)")
    add_json(lst)
    return a
