"""项目: the month's projects, filterable and sorted by priority; one project's whole joint-review sheet."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from resettle.reporting.dashboard.data import Warehouse
from resettle.reporting.dashboard.views.common import XLSX, no_data, rows_page, table
from resettle.reporting.export import frames_to_xlsx

SECTIONS = {
    "区台账": [
        "project_code",
        "project_name",
        "district_name_zh",
        "developer_name",
        "developer_uscc",
        "project_nature",
        "disposal_category",
        "is_in_scope",
        "contracted_return_date",
        "months_overdue",
        "overdue_reason",
        "households_total",
        "households_unresettled",
        "resettlement_area_m2",
        "lead_unit",
    ],
    "居民与协议": [
        "roster_households_total",
        "roster_households_unresettled",
        "unresettled_displaced",
        "unresettled_cash_purchase",
        "unresettled_exchange",
        "unresettled_onsite_return",
        "unresettled_rental",
        "unresettled_onsite_purchase",
        "unresettled_refund",
        "unresettled_undecided",
        "agreements_exchange",
        "agreements_rental",
        "agreements_return_commitment",
        "rental_for_displaced",
    ],
    "房源（保障中心）": ["units_needed", "units_allocated", "units_occupied"],
    "继续建设（住建局）": [
        "commitment_signed",
        "commitment_date",
        "funding_source",
        "committed_start_date",
        "committed_completion_date",
        "progress_pct",
        "planning_permit_no",
        "construction_permit_no",
    ],
    "法院（本项目）": [
        "court_cases",
        "court_cases_open",
        "court_claim_amount",
        "seized_asset_value",
        "auction_proceeds",
        "court_case_nos",
    ],
    "法院·公安·税务（该企业名下全部项目，不可按项目相加）": [
        "developer_projects",
        "developer_court_cases",
        "developer_court_cases_open",
        "developer_court_claim_amount",
        "developer_seized_asset_value",
        "developer_auction_proceeds",
        "developer_police_cases",
        "developer_police_charges",
        "developer_frozen_funds",
        "developer_tax_arrears",
        "developer_is_abnormal_taxpayer",
    ],
    "推断匹配（按企业名称，待核实）": ["inferred_matches", "inferred_records_zh"],
    "信访": ["petitioning_households", "highest_petition_level", "weighted_petitioners"],
    "类别与范围": [
        "disposal_category_zh",
        "previous_category",
        "category_changed",
        "scope_change",
        "decided_category",
        "decided_meeting_no",
        "is_decision_not_followed",
        "is_normal_but_overdue",
    ],
    "安置结果": [
        "households_awaiting",
        "households_refund_route",
        "households_resettled_before_due",
        "households_unit_not_occupied",
        "households_onsite_not_allowed",
    ],
    "处置路径": ["route_steps_total", "route_steps_done", "route_open_steps_zh"],
    "信访件（信访局）": [
        "petitions_open",
        "petitions_new",
        "petitions_closed",
        "petitions_open_district",
        "petitions_open_city",
        "petitions_open_province",
        "petitions_open_beijing",
        "petition_persons",
        "mass_petitions_open",
        "petitions_without_handler",
    ],
    "产权办理（不动产登记中心）": [
        "certificates_needed",
        "certificates_issued",
        "certificates_pending",
        "certificates_not_applied",
        "certificates_blocked",
        "certificate_blockers",
        "households_lacking_certificate_application",
        "certificates_blocked_by_tax",
        "tax_bureau_task_zh",
    ],
    "偿还协议与退款（保障中心）": [
        "households_offsite",
        "repayment_agreements",
        "repayment_agreed",
        "repayment_repaid",
        "repayments_overdue",
        "repayment_overdue_amount",
        "refunds_overdue",
    ],
    "评分与一致性问题": [
        "priority_score",
        "priority_rank",
        "is_priority",
        "score_households",
        "score_overdue",
        "score_petition",
        "score_stagnation",
        "months_without_progress",
        "flag_count",
        "flag_codes",
        "flags_zh",
        "feed_flag_codes",
    ],
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


@rows_page("项目", Warehouse.projects)
def render(db: Warehouse, month: str, projects: pd.DataFrame) -> None:
    labels = db.labels("project_joint_review")
    c1, c2, c3, c4 = st.columns(4)
    districts = sorted(projects.district_name_zh.dropna().unique())
    chosen = c1.multiselect("所属区", districts, key="projects_districts", placeholder="全部区")
    min_score = c2.slider("最低优先级评分", 0, 100, 0, key="projects_min_score")
    flagged_only = c3.checkbox("仅显示存在一致性问题的项目", key="projects_flagged")
    in_scope_only = c4.checkbox("仅纳入攻坚范围", value=False, key="projects_in_scope")
    st.caption("纳入攻坚范围的项目排在前面，按优先级评分排序；“重点”为评分≥70且位列前20%的项目。")
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
    code = st.selectbox(
        "选择项目",
        codes,
        index=None,
        format_func=lambda c: f"{c} {names.get(c, '')}",
        key="project_code",
        placeholder="选择一个项目查看全部部门信息",
    )
    if not code:
        return
    sheet = db.project_sheet(month, code)
    if sheet is None:
        no_data()
        return
    st.markdown(
        f"**{sheet.project_name}**（{code}，{sheet.district_name_zh}，{sheet.disposal_category_zh}） · "
        f"优先级评分 **{sheet.priority_score}**{'（重点）' if sheet.is_priority else ''} · "
        f"一致性问题 **{sheet.flag_count}** 项"
    )
    frames = sheet_frames(sheet, labels)
    cols = st.columns(2)
    for i, (section, frame) in enumerate(frames):
        with cols[i % 2]:
            st.markdown(f"**{section}**")
            st.table(frame, hide_index=True)
    st.download_button(
        "导出联审表 Excel",
        data=frames_to_xlsx(frames),
        file_name=f"联审表_{code}_{month}.xlsx",
        mime=XLSX,
        key="sheet_xlsx",
        on_click="ignore",
    )
    sheet_html = db.review_sheet_html(month, code)
    if sheet_html:
        st.download_button(
            "下载联审会签表（A4，可打印为PDF）",
            data=sheet_html.encode("utf-8"),
            file_name=f"联审会签表_{code}_{month}.html",
            mime="text/html",
            key="sheet_print",
            on_click="ignore",
        )
