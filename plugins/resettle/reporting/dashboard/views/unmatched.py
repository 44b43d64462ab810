"""未匹配记录: department records whose company matched no ledger developer (the roles in
`auth.UNMATCHED_RECORD_ROLES`: the office and engineers)."""

from __future__ import annotations

import streamlit as st

from resettle.reporting.dashboard.auth import UNMATCHED_RECORD_ROLES, roles_zh
from resettle.reporting.dashboard.views.common import no_data, period, table, warehouse

LABELS = {
    "dataset": "数据类型",
    "record_key": "记录编号",
    "company_uscc": "统一社会信用代码（原文）",
    "company_name": "企业名称（原文）",
    "submission_id": "报送编号",
    "source_row": "行号",
}
DATASETS = {
    "court_cases": "法院案件",
    "police_cases": "公安案件",
    "tax_status": "税务状态",
    "construction_status": "项目建设信息",
}


def render() -> None:
    st.header("未匹配记录")
    db, month = warehouse(), period()
    if not db.user.sees_unmatched_records:
        st.warning(f"本页仅{roles_zh(UNMATCHED_RECORD_ROLES)}可见。")
        return
    if not month:
        no_data()
        return
    records = db.unmatched_records(month)
    st.caption(
        "部门报送的企业既无法按统一社会信用代码、也无法按企业名称对应到任何区台账中的开发企业，请核实后通知报送单位更正。"
    )
    if not records.empty:
        records["dataset"] = records.dataset.map(DATASETS).fillna(records.dataset)
    table(records, "unmatched", f"未匹配企业记录_{month}", LABELS)
