"""`resettle alerts check|list` parse their options and print tables that line up in Chinese."""

from __future__ import annotations

import argparse
import datetime as dt

import pytest

from resettle.cli import alerts as commands
from resettle.domain.periods import SHANGHAI


@pytest.fixture
def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="resettle")
    commands.add_commands(p.add_subparsers(dest="command", required=True))
    return p


def test_check_options(parser):
    args = parser.parse_args(
        ["alerts", "check", "--as-of", "2026-10-26 09:00", "--period", "2026-10", "--period", "2026-11", "--dry-run"]
    )
    assert args.func is commands.cmd_check and args.dry_run
    assert args.as_of == dt.datetime(2026, 10, 26, 9, 0, tzinfo=SHANGHAI), "no offset: Beijing time"
    assert args.period == ["2026-10", "2026-11"]
    defaults = parser.parse_args(["alerts", "check"])
    assert (defaults.as_of, defaults.period, defaults.dry_run) == (None, None, False)
    assert parser.parse_args(
        ["alerts", "check", "--as-of", "2026-10-26T01:00:00+00:00"]
    ).as_of.utcoffset() == dt.timedelta(0)


@pytest.mark.parametrize(
    "argv", [["alerts", "check", "--period", "2026-13"], ["alerts", "check", "--as-of", "soon"], ["alerts"]]
)
def test_bad_options_are_refused(parser, argv):
    with pytest.raises(SystemExit):
        parser.parse_args(argv)


def test_list_options(parser):
    args = parser.parse_args(["alerts", "list", "--open"])
    assert args.func is commands.cmd_list and args.open and args.limit == 200


def test_alert_table_lines_up_chinese_columns():
    sent_at = dt.datetime(2026, 10, 26, 1, 0, tzinfo=SHANGHAI)
    alerts = [
        {
            "alert_id": 1,
            "sent_at": sent_at,
            "kind": "late",
            "source": "housing_center",
            "dataset": "housing_units",
            "period": "2026-10",
            "channel_results": {"email": {"status": "sent"}, "webhook": {"status": "failed"}},
            "title_zh": "【逾期未报】……",
        },
        {
            "alert_id": 22,
            "sent_at": sent_at,
            "kind": "reminder",
            "source": "court",
            "dataset": None,
            "period": "2026-10",
            "channel_results": {},
            "title_zh": "【报送提醒】……",
        },
    ]
    lines = commands.format_alerts(alerts).splitlines()
    assert lines[0].split()[:3] == ["编号", "时间", "类型"]
    assert "市保障性住房服务中心" in lines[1] and "安置房源分配情况" in lines[1] and "已发送" in lines[1]
    assert "失败" in lines[1] and "逾期未报" in lines[1] and "报送提醒" in lines[2]
    from rich.cells import cell_len

    rows = [line for line in lines[1:] if "【" in line]
    starts = {cell_len(line[: line.index("【")]) for line in rows}
    assert len(rows) == 2 and starts == {cell_len(lines[0][: lines[0].index("标题")])}, "columns line up on every row"
    assert commands.format_alerts([]) == "（无）"


def test_tally_counts_each_channel_outcome():
    alerts = [
        {"channel_results": {"email": {"status": "sent"}, "webhook": {"status": "failed"}}},
        {"channel_results": {"email": {"status": "sent"}, "webhook": {"status": "skipped"}}},
    ]
    tally = commands.channel_tally(alerts)
    assert tally == {"email": {"sent": 2}, "webhook": {"failed": 1, "skipped": 1}}
    assert commands.format_tally(tally) == "邮件：已发送 2；群消息：失败 1、未配置 1"


def test_the_demo_summary_reads_as_a_sentence():
    from resettle.airflow.alert_tasks import describe

    text = describe(
        {
            "sent": {"late": 2, "invalid": 1},
            "keys": [],
            "failed_channels": [],
            "channels": {"email": {"skipped": 3}, "webhook": {"sent": 3}},
        }
    )
    assert text == "3 alerts (invalid 1, late 2); email: skipped 3 (not configured); webhook: sent 3"
    assert "{" not in text
