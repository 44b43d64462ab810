"""项目: the month's projects, filterable and sorted by priority; one project's whole joint-review sheet."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from resettle.reporting.dashboard.views.common import XLSX, no_data, period, table, warehouse
from resettle.reporting.export import frames_to_xlsx

SECTIONS = {
    "区台账": ["project_code", "project_name", "district_name_zh", "developer_name", "developer_uscc",
             "project_nature", "disposal_category", "is_in_scope", "contracted_return_date", "months_overdue",
             "overdue_reason", "households_total", "households_unresettled", "resettlement_area_m2", "lead_unit"],
    "居民与协议": ["roster_households_total", "roster_households_unresettled", "unresettled_displaced",
               "unresettled_cash_purchase", "unresettled_exchange", "unresettled_onsite_return",
               "unresettled_rental", "unresettled_onsite_purchase", "unresettled_refund", "unresettled_undecided",
               "agreements_exchange", "agreements_rental", "agreements_return_commitment", "rental_for_displaced"],
    "房源（保障中心）": ["units_needed", "units_allocated", "units_occupied"],
    "继续建设（住建局）": ["commitment_signed", "commitment_date", "funding_source", "committed_start_date",
                   "committed_completion_date", "progress_pct", "planning_permit_no", "construction_permit_no"],
    "法院": ["court_cases", "court_cases_open", "seized_asset_value", "auction_proceeds", "has_appraisal_or_auction"],
    "公安": ["police_cases", "police_charges", "frozen_funds"],
    "税务": ["tax_arrears", "is_abnormal_taxpayer"],
    "信访": ["petitioning_households", "highest_petition_level"],
    "评分与一致性问题": ["priority_score", "flag_count", "flag_codes", "flags_zh"],
}


def _display(value) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list | tuple):
        return "、".join(str(v) for v in value) or "—"
    return str(value)


def sheet_frames(sheet: pd.Series, labels: dict[str, str]) -> list[tuple[str, pd.DataFrame]]:
    """The sheet as one (section, 字段/值 frame) per department; columns not in a section go last."""
    placed = {c for cols in SECTIONS.values() for c in cols}
    sections = dict(SECTIONS)
    sections["其他"] = [c for c in sheet.index if c not in placed]
    out = []
    for section, columns in sections.items():
        rows = [(labels.get(c, c), _display(sheet[c])) for c in columns if c in sheet.index]
        if rows:
            out.append((section, pd.DataFrame(rows, columns=["字段", "值"])))
    return out


def render() -> None:
    st.header("项目")
    db, month = warehouse(), period()
    if not month:
        no_data()
        return
    projects = db.projects(month)
    if projects.empty:
        no_data()
        return
    labels = db.labels("project_joint_review")
    c1, c2, c3, c4 = st.columns(4)
    districts = sorted(projects.district_name_zh.dropna().unique())
    chosen = c1.multiselect("所属区", districts, key="projects_districts", placeholder="全部区")
    min_score = c2.slider("最低优先级评分", 0, 100, 0, key="projects_min_score")
    flagged_only = c3.checkbox("仅显示存在一致性问题的项目", key="projects_flagged")
    in_scope_only = c4.checkbox("仅纳入攻坚范围", value=False, key="projects_in_scope")
    shown = projects
    if chosen:
        shown = shown[shown.district_name_zh.isin(chosen)]
    shown = shown[pd.to_numeric(shown.priority_score) >= min_score]
    if flagged_only:
        shown = shown[shown.flag_count > 0]
    if in_scope_only:
        shown = shown[shown.is_in_scope]
    table(shown, "projects", f"项目列表_{month}", labels)

    st.subheader("项目联审表")
    codes = projects.project_code.tolist()
    names = dict(zip(projects.project_code, projects.project_name, strict=True))
    code = st.selectbox("选择项目", codes, index=None, format_func=lambda c: f"{c} {names.get(c, '')}",
                        key="project_code", placeholder="选择一个项目查看全部部门信息")
    if not code:
        return
    sheet = db.project_sheet(month, code)
    if sheet is None:
        no_data()
        return
    st.markdown(f"**{sheet.project_name}**（{code}，{sheet.district_name_zh}） · 优先级评分 "
                f"**{sheet.priority_score}** · 一致性问题 **{sheet.flag_count}** 项")
    frames = sheet_frames(sheet, labels)
    cols = st.columns(2)
    for i, (section, frame) in enumerate(frames):
        with cols[i % 2]:
            st.markdown(f"**{section}**")
            st.table(frame, hide_index=True)
    st.download_button("导出联审表 Excel", data=frames_to_xlsx(frames), file_name=f"联审表_{code}_{month}.xlsx",
                       mime=XLSX, key="sheet_xlsx", on_click="ignore")
