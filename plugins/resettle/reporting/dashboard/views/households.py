"""住户: unresettled households by type, choice and waiting time; the masked list for roles allowed to see it."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from resettle.domain.vocabulary import resettlement_choices
from resettle.reporting.dashboard.auth import HOUSEHOLD_LIST_ROLES, roles_zh
from resettle.reporting.dashboard.data import Warehouse
from resettle.reporting.dashboard.views.common import month_page, no_data, table

WAITING_BANDS = [
    (0, 12, "1年以内"),
    (12, 36, "1-3年"),
    (36, 60, "3-5年"),
    (60, 120, "5-10年"),
    (120, 10**6, "10年以上"),
]


def waiting_band(months: int) -> str:
    return next(label for low, high, label in WAITING_BANDS if low <= (months or 0) < high)


@month_page("住户")
def render(db: Warehouse, month: str) -> None:
    counts = db.household_counts(month)
    if counts.empty:
        no_data("本月无未安置住户")
    else:
        counts["households"] = counts.households.astype(int)
        st.metric("未安置住户（纳入攻坚范围）", f"{counts.households.sum():,}")
        left, middle, right = st.columns(3)
        by_type = counts.groupby("household_type", as_index=False).households.sum()
        left.subheader("按类型")
        left.altair_chart(
            alt.Chart(by_type)
            .mark_arc(innerRadius=40)
            .encode(
                theta="households:Q",
                color=alt.Color("household_type:N", title="类型"),
                tooltip=[alt.Tooltip("household_type", title="类型"), alt.Tooltip("households", title="户数")],
            ),
            width="stretch",
        )
        by_choice = counts.groupby("resettlement_choice", as_index=False).households.sum()
        middle.subheader("按安置意向")
        middle.altair_chart(
            alt.Chart(by_choice)
            .mark_bar()
            .encode(
                x=alt.X("households:Q", title="户数"),
                y=alt.Y("resettlement_choice:N", sort=list(resettlement_choices()), title=None),
                tooltip=[alt.Tooltip("resettlement_choice", title="意向"), alt.Tooltip("households", title="户数")],
            ),
            width="stretch",
        )
        counts["band"] = counts.months_waiting.map(waiting_band)
        by_wait = counts.groupby("band", as_index=False).households.sum()
        right.subheader("按等待时间")
        right.altair_chart(
            alt.Chart(by_wait)
            .mark_bar()
            .encode(
                x=alt.X("band:N", sort=[b[2] for b in WAITING_BANDS], title="逾期等待"),
                y=alt.Y("households:Q", title="户数"),
                tooltip=[alt.Tooltip("band", title="等待"), alt.Tooltip("households", title="户数")],
            ),
            width="stretch",
        )
        summary = (
            counts.pivot_table(
                index="household_type", columns="resettlement_choice", values="households", aggfunc="sum", fill_value=0
            )
            .reindex(columns=[c for c in resettlement_choices() if c in set(counts.resettlement_choice)])
            .reset_index()
            .rename(columns={"household_type": "类型"})
        )
        st.subheader("类型 × 安置意向")
        table(summary, "household_summary", f"住户分类_{month}")

    st.subheader("住户名单（已脱敏）")
    user = db.user
    if not user.may_list_households:
        st.warning(f"您的角色无权查看住户名单（仅{roles_zh(HOUSEHOLD_LIST_ROLES)}可查看），此处只提供统计数字。")
        return
    c1, c2, c3 = st.columns(3)
    progress = db.progress()
    districts = sorted(progress.district.unique()) if not progress.empty else []
    names = dict(zip(progress.district, progress.district_name_zh, strict=False))
    district = c1.selectbox(
        "区", [None, *districts], format_func=lambda d: "全部" if d is None else names.get(d, d), key="hh_district"
    )
    choice = c2.selectbox(
        "安置意向", [None, *resettlement_choices()], format_func=lambda c: "全部" if c is None else c, key="hh_choice"
    )
    unresettled_only = c3.checkbox("仅未安置", value=True, key="hh_unresettled")
    if not st.toggle("显示名单（查看将记入访问日志）", key="hh_show"):
        return
    frame = db.household_list(month, district, choice, unresettled_only)
    labels = {
        "household_code": "户编号",
        "project_code": "项目编号",
        "district": "区代码",
        "head_name_masked": "户主",
        "id_number_masked": "身份证号",
        "phone_masked": "电话",
        "household_type": "类型",
        "resettlement_choice": "安置意向",
        "agreement_type": "协议类型",
        "is_resettled": "已安置",
        "resettled_date": "安置日期",
        "months_waiting": "等待月数",
        "petition_level": "信访层级",
    }
    frame = frame.assign(is_resettled=frame.is_resettled.map({True: "是", False: "否"}))
    table(pd.DataFrame(frame), "household_list", f"住户名单_{month}", labels, height=400)
