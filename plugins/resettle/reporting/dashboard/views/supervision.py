"""督办事项: tasks the office assigned, per responsible unit: open, overdue, done on time or late."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from resettle.reporting.dashboard.data import Warehouse
from resettle.reporting.dashboard.views.common import rows_page, table

LABELS = {
    "item_no": "督办编号",
    "district_name_zh": "区",
    "project_code": "项目编号",
    "task": "交办事项",
    "responsible_unit": "责任单位",
    "assigned_date": "交办日期",
    "due_date": "办结时限",
    "done_date": "办结日期",
    "state_zh": "办理状态",
    "days_overdue": "逾期天数",
    "progress_note": "办理情况",
}
STATES = ("办理中", "逾期未办结", "按期办结", "逾期办结")


@rows_page("督办事项", Warehouse.supervision_items, "{month}暂无督办事项")
def render(_: Warehouse, month: str, items: pd.DataFrame) -> None:
    cols = st.columns(len(STATES))
    for col, state in zip(cols, STATES, strict=True):
        col.metric(state, f"{int((items.state_zh == state).sum()):,}")
    by_unit = (
        items.pivot_table(index="responsible_unit", columns="state_zh", values="item_no", aggfunc="count", fill_value=0)
        .reindex(columns=list(STATES), fill_value=0)
        .reset_index()
    )
    st.subheader("各责任单位办理情况")
    table(by_unit, "supervision_units", f"督办事项_按单位_{month}", {"responsible_unit": "责任单位"})
    st.subheader("事项明细")
    table(items, "supervision_items", f"督办事项_{month}", LABELS)
