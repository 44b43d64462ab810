"""The status table speaks the office's language and time zone."""

from __future__ import annotations

from resettle.cli.status import format_table


def test_table_shows_chinese_names_and_missing_datasets():
    rows = [
        {
            "source": "xiangyang",
            "dataset": "project_ledger",
            "status": "accepted",
            "received_at": "2026-10-20T14:31:00+08:00",
            "on_time": True,
            "rows": 8,
            "errors": 0,
            "warnings": 0,
            "file_name": "向阳区项目台账2026年10月.xlsx",
        },
        {
            "source": "tax",
            "dataset": "tax_status",
            "status": "missing",
            "received_at": None,
            "on_time": None,
            "rows": None,
            "errors": None,
            "warnings": None,
            "file_name": None,
        },
    ]
    lines = format_table(rows).splitlines()
    assert "向阳区" in lines[1] and "已接收" in lines[1] and "2026-10-20 14:31" in lines[1] and "是" in lines[1]
    assert "市税务局" in lines[2] and "未报送" in lines[2]
