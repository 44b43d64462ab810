"""产权办理: certificates per district (ranked by the share issued) and what blocks them, project by project."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from resettle.reporting.dashboard import charts
from resettle.reporting.dashboard.data import Warehouse
from resettle.reporting.dashboard.views.common import month_label, rows_page, table
from resettle.reporting.labels import CERTIFICATE_LABELS

BLOCKERS = {
    "blocked_tax_arrears": "开发企业欠税",
    "blocked_no_acceptance": "未竣工验收备案",
    "blocked_incomplete_documents": "资料不全",
    "blocked_other": "其他",
}


@rows_page("产权办理", Warehouse.certificate_progress, "不动产登记中心本月尚未报送产权办理情况")
def render(db: Warehouse, month: str, progress: pd.DataFrame) -> None:
    ranked = progress.copy()
    ranked["issued_percent"] = (100 * pd.to_numeric(ranked.issued_rate)).round(1)
    ranked = ranked.sort_values(["issued_percent", "district"], ascending=[False, True]).reset_index(drop=True)
    ranked.insert(0, "rank", range(1, len(ranked) + 1))
    st.subheader(f"各区发证进度排名 · {month_label(month)}")
    labels = {k: v for k, v in CERTIFICATE_LABELS.items() if k != "blocked_tax_arrears"}
    table(ranked[list(labels)], "certificates_rank", f"产权办理排名_{month}", labels)

    st.subheader("暂缓原因（区）")
    blocked = progress.melt(
        id_vars=["district_name_zh"], value_vars=list(BLOCKERS), var_name="reason", value_name="households"
    )
    blocked["reason"] = blocked.reason.map(BLOCKERS)
    blocked = blocked[blocked.households > 0]
    if blocked.empty:
        st.caption("本月没有暂缓办理的产权证。")
    else:
        tooltip = {"district_name_zh": "区", "reason": "原因", "households": "户数"}
        by = ("reason", "暂缓原因")
        chart = charts.stacked_bars(blocked, ("households", "户数"), "district_name_zh", by, tooltip)
        st.altair_chart(chart, width="stretch")

    st.subheader("需协调的项目")
    projects = db.certificate_blockers(month)
    labels = {
        "project_code": "项目编号",
        "project_name": "项目名称",
        "district_name_zh": "区",
        "certificates_needed": "应办证户数",
        "certificates_issued": "已发证",
        "certificates_blocked": "暂缓",
        "certificate_blockers": "暂缓原因",
        "households_lacking_certificate_application": "满6个月未申请",
        "tax_bureau_task_zh": "市税务局事项",
    }
    table(projects, "certificates_projects", f"产权办理需协调项目_{month}", labels)
