"""`resettle status`: the register of a month as a table the office reads (columns aligned for Chinese)."""

from __future__ import annotations

from resettle.cli.terminal import text_table
from resettle.domain import reference
from resettle.domain.contracts import contract
from resettle.domain.vocabulary import status_zh
from resettle.intake.status import MISSING_ZH


def format_table(rows: list[dict]) -> str:
    """The status as a table an office clerk can read at a glance (columns aligned for Chinese)."""
    head = ("报送单位", "数据", "状态", "接收时间", "按时", "行数", "错误", "提示", "文件")
    lines = []
    for r in rows:
        when = r["received_at"][:16].replace("T", " ") if r["received_at"] else None
        on_time = None if r["on_time"] is None else ("是" if r["on_time"] else "否")
        title = contract(r["dataset"]).title_zh.replace("逾期未回迁安置", "") if r["dataset"] else "未识别"
        state = MISSING_ZH if r["status"] == "missing" else status_zh(r["status"])
        lines.append(
            (
                reference.sources()[r["source"]].name_zh,
                title,
                state,
                when,
                on_time,
                r["rows"],
                r["errors"],
                r["warnings"],
                r["file_name"],
            )
        )
    return text_table(head, lines, right=(5, 6, 7))
