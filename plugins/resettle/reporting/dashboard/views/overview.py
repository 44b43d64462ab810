"""总览: the month's headline figures with their change from last month, the trend by month, the district
map and the districts ranked."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from resettle.reporting.dashboard import charts
from resettle.reporting.dashboard.data import Warehouse
from resettle.reporting.dashboard.figures import headline, trend
from resettle.reporting.dashboard.views.common import month_label, rows_page, table

SHOWN = ("projects", "households_total", "households_unresettled", "percent_resettled", "priority_projects")
DELTA_COLOURS = {"up": "normal", "down": "inverse", "neither": "off"}
UNCHANGED = "与上月持平"


@rows_page("总览", lambda db, month: db.progress(), without_month_zh="尚无区月度进展数据")
def render(_: Warehouse, month: str, progress: pd.DataFrame) -> None:
    st.caption(f"{month_label(month)} · 纳入攻坚范围的逾期项目 · 箭头为与上月相比的变化")
    figures = {f.key: f for f in headline(progress, month)}
    cols = st.columns(len(SHOWN))
    for col, key in zip(cols, SHOWN, strict=True):
        figure = figures[key]
        steady = figure.change == 0
        col.metric(
            figure.label_zh,
            figure.shown(),
            delta=UNCHANGED if steady else figure.change_text(),
            delta_color="off" if steady else DELTA_COLOURS[figure.better],
            delta_arrow="off" if steady else "auto",
            help=None if figure.previous is None else f"上月：{figure.shown(figure.previous)}",
        )

    month_rows = progress[progress.period == month]
    left, right = st.columns(2)
    with left:
        st.subheader("逐月安置完成率")
        st.altair_chart(charts.trend_chart(trend(progress)), width="stretch")
    with right:
        if month_rows.district.nunique() > 1:  # a district user sees one tile: no map
            st.subheader("各区分布图")
            chosen = st.selectbox(
                "着色指标",
                list(charts.MAP_FIGURES),
                key="overview_map_figure",
                format_func=lambda key: charts.MAP_FIGURES[key][0],
            )
            st.altair_chart(charts.tile_map(month_rows, chosen), width="content")
            st.caption("方块按各区地理方位排列，颜色越深数值越大。")
    st.subheader("各区未安置户数")
    st.altair_chart(charts.ranked_bars(month_rows, "households_unresettled", "未安置户数"), width="stretch")
    st.subheader("分区情况")
    labels = {
        "district_name_zh": "区",
        "projects": "项目数",
        "households_total": "涉及户数",
        "households_unresettled": "未安置户数",
        "households_resettled": "已安置户数",
        "percent_resettled": "安置完成率(%)",
        "resettled_this_month": "本月新增安置",
        "priority_projects": "重点项目数",
        "flagged_projects": "问题项目数",
    }
    ordered = month_rows.sort_values("percent_resettled", ascending=False)
    table(
        ordered[list(labels)],
        "overview_districts",
        f"分区情况_{month}",
        labels,
        column_config={
            "安置完成率(%)": st.column_config.ProgressColumn(
                "安置完成率(%)", format="%.1f%%", min_value=0, max_value=100
            )
        },
    )
