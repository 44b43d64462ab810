"""信访: cases new and resolved per district, and every open province or Beijing case with its handler."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from resettle.domain.reference import districts
from resettle.reporting.dashboard.data import Warehouse
from resettle.reporting.dashboard.views.common import month_label, rows_page, table
from resettle.reporting.labels import PETITION_LABELS

HANDLER_MISSING = "未落实专人"


@rows_page("信访", Warehouse.petition_summary, "市信访局本月尚未报送信访件")
def render(db: Warehouse, month: str, summary: pd.DataFrame) -> None:
    names = {code: d.name_zh for code, d in districts().items()}
    summary.insert(0, "district_name_zh", summary.district.map(names).fillna("未定区"))
    st.subheader(f"各区信访件 · {month_label(month)}")
    labels = {**PETITION_LABELS, "without_handler": HANDLER_MISSING}
    table(summary[list(labels)], "petitions_districts", f"各区信访件_{month}", labels)

    st.subheader("到省、进京信访件（专人负责）")
    escalated = db.escalated_petitions(month)
    if not escalated.empty:
        escalated.insert(1, "district_name_zh", escalated.district.map(names).fillna("未定区"))
        escalated["handler"] = escalated.handler.fillna(HANDLER_MISSING)
        escalated = escalated.drop(columns=["district", "lacks_handler"])
    labels = {
        "case_no": "信访件编号",
        "district_name_zh": "区",
        "project_code": "项目编号",
        "level": "层级",
        "received_date": "信访日期",
        "form": "形式",
        "persons": "人数",
        "responsible_unit": "责任单位",
        "handler": "包案领导",
        "status": "办理状态",
    }
    table(escalated, "petitions_escalated", f"到省进京信访件_{month}", labels)

    unmatched = db.unmatched_petitions(month)
    if unmatched is not None and not unmatched.empty:
        st.subheader("未匹配到住户或项目的信访件")
        table(unmatched, "petitions_unmatched", f"未匹配信访件_{month}", {"unmatched_reason": "原因", "cases": "件数"})
