"""预警: the reminders, late notices and escalations sent, and which are still open."""

from __future__ import annotations

import streamlit as st

from resettle.reporting.dashboard import charts
from resettle.reporting.dashboard.views.common import month_label, no_data, period, table, warehouse


def render() -> None:
    st.header("预警")
    db, month = warehouse(), period()
    all_months = st.checkbox("显示全部月份", key="alerts_all")
    alerts = db.alerts(None if all_months else month)
    if alerts is None:
        no_data("预警记录尚未生成（marts.alert_history）")
        return
    if alerts.empty:
        no_data("没有预警" + ("" if all_months or not month else f"（{month_label(month)}）"))
        return
    cols = st.columns(3)
    cols[0].metric("预警数", f"{len(alerts):,}")
    cols[1].metric("未解除", f"{int(alerts.is_open.fillna(False).astype(bool).sum()):,}")
    cols[2].metric("未全部送达", f"{int((~alerts.channels_ok.fillna(True).astype(bool)).sum()):,}")
    by_kind = alerts.groupby(["kind_zh", "is_open"], as_index=False).size().rename(columns={"size": "alerts"})
    by_kind["state"] = by_kind.is_open.map({True: "未解除", False: "已解除"})
    tooltip = {"kind_zh": "类别", "state": "状态", "alerts": "数量"}
    st.altair_chart(
        charts.stacked_bars(by_kind, ("alerts", "预警数"), "kind_zh", ("state", "状态"), tooltip), width="stretch"
    )
    labels = {
        "sent_at": "发送时间",
        "kind_zh": "类别",
        "source_name_zh": "单位",
        "period": "报送期",
        "title_zh": "标题",
        "message_zh": "内容",
        "recipient_count": "接收人数",
        "channels_ok": "已送达",
        "is_open": "未解除",
        "resolved_at": "解除时间",
    }
    table(alerts[list(labels)], "alerts", "预警记录", labels)
