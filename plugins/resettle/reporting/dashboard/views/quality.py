"""数据质量: files received and rejected per source, open rejections; file-level detail and every problem
found for the roles in `auth.QUALITY_DETAIL_ROLES` (the office, engineers, and a district for its own files:
row security decides which rows come back)."""

from __future__ import annotations

import altair as alt
import streamlit as st

from resettle.domain.vocabulary import complete_statuses
from resettle.reporting.dashboard import charts
from resettle.reporting.dashboard.auth import QUALITY_DETAIL_ROLES, roles_zh
from resettle.reporting.dashboard.data import Warehouse
from resettle.reporting.dashboard.views.common import month_label, month_page, no_data, table

FINDING_LABELS = {
    "submission_id": "报送编号",
    "finding_no": "序号",
    "source_name_zh": "报送单位",
    "dataset_title_zh": "数据",
    "file_name": "文件名",
    "status_zh": "文件状态",
    "severity_zh": "类别",
    "excel_row": "行",
    "column_header": "列",
    "message_zh": "问题说明",
}


@month_page("数据质量")
def render(db: Warehouse, month: str) -> None:
    files = db.files(month)
    if files is None:
        no_data("报送文件记录尚未生成（marts.submission_files）")
        return
    if files.empty:
        no_data(f"{month_label(month)}尚未收到文件")
        return
    rejected = files[files.status == "rejected"]
    open_rejections = files[files.is_open_rejection.fillna(False).astype(bool)]
    cols = st.columns(4)
    cols[0].metric("收到文件", f"{len(files):,}")
    cols[1].metric("接收", f"{files.status.isin(complete_statuses()).sum():,}")
    cols[2].metric("退回", f"{len(rejected):,}")
    cols[3].metric("待重报", f"{len(open_rejections):,}")

    by_source = files.groupby(["source_name_zh", "status_zh"], as_index=False).size().rename(columns={"size": "files"})
    st.subheader("各单位文件处理结果")
    chart = charts.stacked_bars(
        by_source,
        ("files", "文件数"),
        "source_name_zh",
        ("status_zh", "状态"),
        {"source_name_zh": "单位", "status_zh": "状态", "files": "文件数"},
        axis=alt.Axis(tickMinStep=1, format="d"),
    )
    st.altair_chart(chart, width="stretch")

    labels = {
        "source_name_zh": "报送单位",
        "dataset_title_zh": "数据",
        "file_name": "文件名",
        "received_at": "接收时间",
        "status_zh": "状态",
        "rows_total": "行数",
        "errors": "错误",
        "warnings": "提示",
        "message_zh": "处理说明",
        "on_time": "按时",
    }
    st.subheader("待重报（退回后尚未重新接收）")
    brief = ["source_name_zh", "dataset_title_zh", "received_at", "errors"]
    detail = db.user.sees_quality_detail
    table(open_rejections[list(labels) if detail else brief], "open_rejections", f"待重报_{month}", labels)
    if detail:
        if db.user.district:
            st.caption("以下为本区报送的文件及其问题；其他单位的文件不可见。")
        st.subheader("全部文件明细")
        table(files[["submission_id", *labels]], "files", f"报送文件_{month}", {**labels, "submission_id": "报送编号"})
        st.subheader("文件问题明细（与回执一致）")
        findings = db.findings(month)
        if findings is None:
            no_data("问题明细尚未生成（marts.submission_findings）")
        elif findings.empty:
            st.caption("本月文件没有发现问题。")
        else:
            table(findings.drop(columns="severity"), "findings", f"文件问题_{month}", FINDING_LABELS)
    else:
        st.caption(f"文件明细（文件名、逐条处理说明、问题明细）仅{roles_zh(QUALITY_DETAIL_ROLES)}可见，区只见本区。")
