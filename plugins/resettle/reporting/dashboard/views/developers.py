"""开发企业: each developer once, with every department's facts about it (figures are the company's, over all
its projects, so they add up across developers, never across projects)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from resettle.reporting.dashboard.data import Warehouse
from resettle.reporting.dashboard.views.common import rows_page, table

LABELS = {
    "developer_name": "开发企业",
    "developer_uscc": "统一社会信用代码",
    "projects": "项目数",
    "projects_in_scope": "纳入攻坚项目数",
    "households_unresettled": "未安置户数",
    "court_cases": "法院案件数",
    "court_cases_open": "未结案件数",
    "seized_asset_value": "查封资产估值(元)",
    "auction_proceeds": "拍卖成交金额(元)",
    "police_cases": "公安立案数",
    "frozen_funds": "冻结资金(元)",
    "tax_arrears": "欠税金额(元)",
    "is_abnormal_taxpayer": "非正常户",
    "risk_status": "风险状态",
}


@rows_page("开发企业", Warehouse.developers)
def render(_: Warehouse, month: str, developers: pd.DataFrame) -> None:
    cols = st.columns(3)
    cols[0].metric("开发企业", f"{len(developers):,}")
    cols[1].metric("涉刑事案件企业", f"{int((developers.police_cases > 0).sum()):,}")
    cols[2].metric("查封资产估值合计(万元)", f"{developers.seized_asset_value.sum() / 10000:,.1f}")
    st.caption("金额为企业层面数据（该企业名下全部项目），每家企业只计一次。")
    table(developers, "developers", f"开发企业风险_{month}", LABELS)
