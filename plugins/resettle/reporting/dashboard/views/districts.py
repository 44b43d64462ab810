"""各区: districts ranked by resettlement progress and by on-time reporting; the district × month matrix."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from resettle.domain.periods import zh_month
from resettle.reporting.dashboard import charts
from resettle.reporting.dashboard.data import Warehouse
from resettle.reporting.dashboard.views.common import month_label, month_page, no_data, table


def _rate(label: str):
    return st.column_config.ProgressColumn(label, format="%.1f%%", min_value=0, max_value=100)


@month_page("各区")
def render(db: Warehouse, month: str) -> None:
    progress = db.progress()
    month_rows = (
        progress[progress.period == month]
        .sort_values(["percent_resettled", "district"], ascending=[False, True])
        .reset_index(drop=True)
    )
    month_rows.insert(0, "rank", range(1, len(month_rows) + 1))
    st.subheader(f"安置进度排名 · {month_label(month)}")
    st.altair_chart(charts.ranked_bars(month_rows, "percent_resettled", "安置完成率(%)", percent=True), width="stretch")
    labels = {
        "rank": "名次",
        "district_name_zh": "区",
        "percent_resettled": "安置完成率(%)",
        "households_unresettled": "未安置户数",
        "resettled_this_month": "本月新增安置",
        "projects": "项目数",
    }
    table(
        month_rows[list(labels)],
        "rank_progress",
        f"安置进度排名_{month}",
        labels,
        column_config={"安置完成率(%)": _rate("安置完成率(%)")},
    )

    timeliness = db.timeliness()
    if timeliness is None or timeliness.empty:
        st.subheader("按时报送排名")
        no_data("报送及时率尚未生成（marts.submission_timeliness）")
        return
    districts = timeliness[timeliness.source_kind == "district"]
    names = dict(zip(progress.district, progress.district_name_zh, strict=False))
    names.update(dict(zip(districts.district, districts.source_name_zh, strict=False)))
    current = districts[districts.period == month].copy()
    current["on_time_rate"] = pd.to_numeric(current.on_time_rate)
    current = current.sort_values(["on_time_rate", "days_late", "district"], ascending=[False, True, True]).reset_index(
        drop=True
    )
    current.insert(0, "rank", range(1, len(current) + 1))
    st.subheader(f"按时报送排名 · {month_label(month)}")
    st.altair_chart(
        charts.ranked_bars(current, "on_time_rate", "及时率(%)", label="source_name_zh", percent=True), width="stretch"
    )
    labels = {
        "rank": "名次",
        "source_name_zh": "区",
        "on_time_rate": "及时率(%)",
        "reporting_rate": "报送率(%)",
        "expected": "应报",
        "accepted": "已接收",
        "late": "逾期",
        "missing": "未报",
        "days_late": "逾期天数",
    }
    current["reporting_rate"] = pd.to_numeric(current.reporting_rate)
    table(
        current[list(labels)],
        "rank_on_time",
        f"按时报送排名_{month}",
        labels,
        column_config={"及时率(%)": _rate("及时率(%)"), "报送率(%)": _rate("报送率(%)")},
    )

    st.subheader("报送矩阵（区 × 月）")
    matrix = districts[["district", "source_name_zh", "period", "reporting_rate", "on_time_rate"]].copy()
    matrix["reporting_rate"] = pd.to_numeric(matrix.reporting_rate)
    matrix["on_time_rate"] = pd.to_numeric(matrix.on_time_rate)
    matrix["month_zh"] = matrix.period.map(zh_month)
    months = [zh_month(p) for p in sorted(matrix.period.unique())]
    st.altair_chart(
        alt.Chart(matrix)
        .mark_rect()
        .encode(
            x=alt.X("month_zh:O", title="报送期", sort=months, axis=alt.Axis(labelAngle=0)),
            y=alt.Y("source_name_zh:N", title=None),
            color=alt.Color(
                "on_time_rate:Q", title="及时率(%)", scale=alt.Scale(domain=[0, 100], scheme="redyellowgreen")
            ),
            tooltip=[
                alt.Tooltip("source_name_zh", title="区"),
                alt.Tooltip("month_zh", title="报送期"),
                alt.Tooltip("reporting_rate", title="报送率%"),
                alt.Tooltip("on_time_rate", title="及时率%"),
            ],
        )
        + alt.Chart(matrix)
        .mark_text()
        .encode(x=alt.X("month_zh:O", sort=months), y="source_name_zh:N", text=alt.Text("on_time_rate:Q")),
        width="stretch",
    )
    wide = matrix.pivot_table(index="source_name_zh", columns="period", values=["reporting_rate", "on_time_rate"])
    wide = wide[sorted(wide.columns, key=lambda mp: (mp[1], mp[0] != "reporting_rate"))]
    wide.columns = [f"{zh_month(p)} {'报送率' if m == 'reporting_rate' else '及时率'}(%)" for m, p in wide.columns]
    wide = wide.reset_index().rename(columns={"source_name_zh": "区"})
    table(wide, "matrix", "报送矩阵")
