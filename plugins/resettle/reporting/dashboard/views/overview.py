"""总览: the month's key figures, the trend by month and the picture by district."""

from __future__ import annotations

import altair as alt
import streamlit as st

from resettle.reporting.dashboard.views.common import month_label, no_data, period, table, warehouse


def render() -> None:
    st.header("总览")
    db, month = warehouse(), period()
    if not month:
        no_data("尚无区月度进展数据")
        return
    figures = db.key_figures(month)
    st.caption(f"{month_label(month)} · 纳入攻坚范围的逾期项目")
    cols = st.columns(5)
    cols[0].metric("项目数", f"{figures['projects']:,}")
    cols[1].metric("涉及户数", f"{figures['households_total']:,}")
    cols[2].metric("未安置户数", f"{figures['households_unresettled']:,}")
    cols[3].metric("安置完成率", f"{figures['percent_resettled']:.1f}%")
    cols[4].metric("重点项目数", f"{figures['priority_projects']:,}")

    progress = db.progress()
    if progress.empty:
        no_data()
        return
    trend = (progress.groupby("period", as_index=False)[["households_total", "households_resettled"]].sum())
    trend["percent_resettled"] = (100 * trend.households_resettled / trend.households_total).round(1)
    left, right = st.columns(2)
    with left:
        st.subheader("逐月进展")
        st.altair_chart(
            alt.Chart(trend).mark_line(point=True).encode(
                x=alt.X("period:O", title="报送期"),
                y=alt.Y("percent_resettled:Q", title="安置完成率(%)"),
                tooltip=[alt.Tooltip("period", title="报送期"), alt.Tooltip("percent_resettled", title="完成率%"),
                         alt.Tooltip("households_resettled", title="已安置户数")]),
            width="stretch")
    month_rows = progress[progress.period == month].sort_values("percent_resettled", ascending=False)
    with right:
        st.subheader("各区未安置户数")
        st.altair_chart(
            alt.Chart(month_rows).mark_bar().encode(
                x=alt.X("households_unresettled:Q", title="未安置户数"),
                y=alt.Y("district_name_zh:N", sort="-x", title=None),
                tooltip=[alt.Tooltip("district_name_zh", title="区"),
                         alt.Tooltip("households_unresettled", title="未安置户数"),
                         alt.Tooltip("percent_resettled", title="完成率%")]),
            width="stretch")
    st.subheader("分区情况")
    labels = {"district_name_zh": "区", "projects": "项目数", "households_total": "涉及户数",
              "households_unresettled": "未安置户数", "households_resettled": "已安置户数",
              "percent_resettled": "安置完成率(%)", "resettled_this_month": "本月新增安置",
              "priority_projects": "重点项目数", "flagged_projects": "问题项目数"}
    table(month_rows[list(labels)], "overview_districts", f"分区情况_{month}", labels)
