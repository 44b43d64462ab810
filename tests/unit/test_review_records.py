"""The joint review's own records: supervised tasks past due alert their unit and the office (plain values),
the office's files are checked against the ledgers and the sources seed, and the printed sheet keeps
project-level and developer-level figures apart and marks inferred matches."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from resettle.alerts.conditions import OpenItem, Policy, supervision_conditions
from resettle.domain.periods import SHANGHAI
from resettle.intake.context import PackageContext, add_context_columns
from resettle.reporting.review_sheet import DEVELOPER_LEVEL, ReviewSheet, render_html

AS_OF = dt.datetime(2026, 11, 20, 10, 0, tzinfo=SHANGHAI)


def item(no: str, due: dt.date, source: str | None = "police") -> OpenItem:
    return OpenItem(no, "2026-11", "XA2016-001", "推进清产核资", "市公安局", source, due, 9)


def test_an_open_item_past_due_alerts_the_responsible_unit_and_the_office_every_cadence():
    found = supervision_conditions(
        [item("DB2026-001", dt.date(2026, 10, 31)), item("DB2026-002", dt.date(2026, 11, 20))], AS_OF, Policy()
    )
    assert [c.key for c in found] == ["supervision:DB2026-001"]
    condition = found[0]
    assert condition.roles == ("police", "office")
    assert condition.cadence == Policy().late_every
    assert "已逾期20天" in condition.message_zh and "DB2026-001" in condition.title_zh
    assert condition.period == "2026-11" and condition.facts["days_overdue"] == 20


def test_an_item_of_a_unit_that_is_no_source_raises_no_alert():
    assert supervision_conditions([item("DB2026-003", dt.date(2026, 10, 1), source=None)], AS_OF, Policy()) == []


def test_office_files_name_known_projects_and_units_only():
    frame = pd.DataFrame(
        {"project_code": ["XA2016-001", "ZZ9999-999", None], "responsible_unit": ["市公安局", "市规划局", "泰山区"]}
    )
    ctx = PackageContext(known={"reported_projects": {"XA2016-001"}}, member_units={"市公安局", "泰山区"})
    problems = add_context_columns(frame, "supervision_items", ctx)
    assert {p.blame for p in problems} == {"project_code", "responsible_unit"}
    assert all(p.severity == "error" for p in problems)
    assert frame["_problem__ref_project_in_ledgers"].notna().tolist() == [False, True, False]
    assert "不在任何区已报送的项目台账中" in frame["_problem__ref_project_in_ledgers"][1]
    assert frame["_problem__ctx_member_unit"].notna().tolist() == [False, True, False]


def test_the_sheet_keeps_developer_figures_apart_and_marks_inferred_matches():
    project = {
        "project_code": "XA2016-001",
        "project_name": "<锦绣家园>",
        "district_name_zh": "兴安区",
        "disposal_category_zh": "4 不配合",
        "seized_asset_value": 10_000_000,
        "developer_seized_asset_value": 15_000_000,
        "court_cases": 1,
        "developer_court_cases": 2,
        "inferred_matches": 1,
        "inferred_records_zh": "法院：某某房地产开发有限公司（（2021）黑04执12号）",
        "flag_count": 0,
        "priority_score": 71.2,
        "priority_rank": 1,
        "is_priority": True,
    }
    steps = [
        {
            "step_order": 1,
            "step_name_zh": "报案或起诉",
            "state_zh": "已完成",
            "is_done": True,
            "lead_unit_zh": "市公安局、市中级人民法院",
            "evidence_zh": "市公安局立案",
        },
        {
            "step_order": 3,
            "step_name_zh": "封停",
            "state_zh": "未完成",
            "is_done": False,
            "lead_unit_zh": "兴安区人民政府",
            "evidence_zh": None,
        },
    ]
    page = render_html(ReviewSheet("2026-11", project, steps=steps))
    assert "&lt;锦绣家园&gt;" in page and "<锦绣家园>" not in page
    assert "1,000.0万元" in page and "1,500.0万元" in page and DEVELOPER_LEVEL in page
    assert "推断" in page and "（2021）黑04执12号" in page
    assert "4 不配合" in page and "重点" in page
    assert "兴安区人民政府" in page and "封停" in page
    for unit in ("兴安区人民政府", "市住建局", "市自然资源局", "市审计局", "市保障性住房服务中心"):
        assert f"<th>{unit}</th>" in page
