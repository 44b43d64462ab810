"""What every page shares: the signed-in user's warehouse, the chosen month, tables with filter and export."""

from __future__ import annotations

import re
from collections.abc import Callable

import pandas as pd
import streamlit as st

from resettle.domain.periods import PERIOD_RE, zh_month
from resettle.reporting.dashboard.data import Warehouse
from resettle.reporting.export import frame_to_xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NO_DATA = "暂无数据"


def warehouse() -> Warehouse:
    return st.session_state["warehouse"]


def period() -> str | None:
    return st.session_state.get("period")


def month_label(value: str) -> str:
    return zh_month(value)


def months_labelled(frame: pd.DataFrame) -> pd.DataFrame:
    """A `period` column as readers say it (`2026年9月`), in tables and their exports alike."""
    if "period" not in frame.columns:
        return frame
    return frame.assign(
        period=[zh_month(p) if isinstance(p, str) and PERIOD_RE.match(p) else p for p in frame["period"]]
    )


def no_data(what: str = "") -> None:
    st.info(f"{NO_DATA}{'：' + what if what else ''}")


def page(title_zh: str, without_month_zh: str = "") -> tuple[Warehouse, str] | None:
    """A month's page: its header, then the warehouse and the chosen month; None (with a note) before any
    month has data."""
    st.header(title_zh)
    month = period()
    if not month:
        no_data(without_month_zh)
        return None
    return warehouse(), month


def page_rows(
    title_zh: str,
    read: Callable[[Warehouse, str], pd.DataFrame | None],
    missing_zh: str = "",
    without_month_zh: str = "",
) -> tuple[Warehouse, str, pd.DataFrame] | None:
    """A page drawn from one read of the warehouse: `page`, then the rows `read(db, month)` returns; None (with
    a note, `missing_zh`, where `{month}` stands for the month's name) when there is no month or no row."""
    opened = page(title_zh, without_month_zh)
    if opened is None:
        return None
    db, month = opened
    rows = read(db, month)
    if rows is None or rows.empty:
        no_data(missing_zh.format(month=month_label(month)))
        return None
    return db, month, rows


def filtered(frame: pd.DataFrame, query: str) -> pd.DataFrame:
    """Rows where any cell contains the text (plain substring, not a pattern)."""
    if not query:
        return frame
    text = frame.astype(str)
    mask = text.apply(lambda column: column.str.contains(query, regex=False)).any(axis=1)
    return frame[mask]


def table(
    frame: pd.DataFrame | None,
    key: str,
    file_stem: str,
    labels: dict[str, str] | None = None,
    height: int | str = "auto",
    column_config: dict | None = None,
) -> pd.DataFrame | None:
    """A sortable table (click a header), a text filter above it and an xlsx export of what is shown;
    `column_config` (by shown label) draws e.g. rates as progress bars."""
    if frame is None or frame.empty:
        no_data()
        return frame
    labels = labels or {}
    frame = months_labelled(frame)
    query = st.text_input("筛选（包含文字）", key=f"{key}_filter", placeholder="输入任意文字筛选行")
    shown = filtered(frame, query.strip() if query else "")
    st.dataframe(
        shown.rename(columns=labels), hide_index=True, height=height, key=f"{key}_grid", column_config=column_config
    )
    stem = re.sub(r"[^\w\u4e00-\u9fff-]+", "_", file_stem)
    st.download_button(
        "导出 Excel",
        data=frame_to_xlsx(shown, labels=labels),
        file_name=f"{stem}.xlsx",
        mime=XLSX,
        key=f"{key}_xlsx",
        on_click="ignore",
    )
    st.caption(f"共 {len(shown)} 行")
    return shown
