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
Page = Callable[[], None]
"""A page's `render`, as `st.Page` calls it."""


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


def month_page(title_zh: str, without_month_zh: str = "") -> Callable[[Callable[[Warehouse, str], None]], Page]:
    """Makes `draw(db, month)` a page's `render`: its header, then the warehouse and the chosen month; a note
    (`without_month_zh`) instead before any month has data."""

    def page(draw: Callable[[Warehouse, str], None]) -> Page:
        def render() -> None:
            st.header(title_zh)
            month = period()
            if not month:
                no_data(without_month_zh)
                return
            draw(warehouse(), month)

        return render

    return page


def rows_page(
    title_zh: str,
    read: Callable[[Warehouse, str], pd.DataFrame | None],
    missing_zh: str = "",
    without_month_zh: str = "",
) -> Callable[[Callable[[Warehouse, str, pd.DataFrame], None]], Page]:
    """Makes `draw(db, month, rows)` the `render` of a page drawn from one read of the warehouse: `month_page`,
    then the rows `read(db, month)` returns; a note (`missing_zh`, where `{month}` stands for the month's name)
    instead when there is no row."""

    def page(draw: Callable[[Warehouse, str, pd.DataFrame], None]) -> Page:
        @month_page(title_zh, without_month_zh)
        def render(db: Warehouse, month: str) -> None:
            rows = read(db, month)
            if rows is None or rows.empty:
                no_data(missing_zh.format(month=month_label(month)))
                return
            draw(db, month, rows)

        return render

    return page


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
