"""The joint review end to end, on hand-made files as clerks send them: one developer with a project in each
of two districts, a court case naming project A (10M seized) and one naming no project (5M). A shows 10M at
project level and 15M at developer level, B none and 15M, the city 15M. An office decision moves B to
category 4 and gives 市公安局 a task due last month: the police contact and the office get an overdue alert,
the bulletin lists the task under its unit and, once November's ledger still shows category 2, the decision
that was not followed; the alert is resolved when the next file reports the task done. Bad office rows are
rejected with a receipt naming the row and the column."""

from __future__ import annotations

import csv
import datetime as dt
import os
from pathlib import Path

import openpyxl
import psycopg
import pytest

from resettle.airflow.pipeline import build_marts, ingest_file, prepare_warehouse
from resettle.domain.identifiers import uscc_check_char
from resettle.domain.periods import SHANGHAI

pytestmark = pytest.mark.integration

USCC = "91230400MA1A2B3C4" + uscc_check_char("91230400MA1A2B3C4")
DEVELOPER = "鹤岗市恒基房地产开发有限公司"
A, B = "XA2016-001", "TS2017-001"
LEDGER = [
    "项目编号",
    "项目名称",
    "所属区",
    "开发企业",
    "开发企业统一社会信用代码",
    "项目性质",
    "处置类别",
    "约定回迁日期",
    "逾期原因",
    "涉及户数",
    "未安置户数",
    "回迁面积(㎡)",
    "牵头单位",
    "备注",
]
COURT = [
    "案号",
    "案件类型",
    "被告统一社会信用代码",
    "被告名称",
    "项目编号",
    "立案日期",
    "案件状态",
    "标的金额(元)",
    "查封资产估值(元)",
    "拍卖日期",
    "拍卖成交金额(元)",
]
DECISIONS = ["会议编号", "会议日期", "项目编号", "会签单位", "会签意见", "决定事项", "调整后处置类别", "记录人"]
ITEMS = [
    "督办编号",
    "项目编号",
    "所属区",
    "交办事项",
    "责任单位",
    "交办日期",
    "办结时限",
    "办理情况",
    "办结日期",
    "状态",
]
UNITS = "兴安区人民政府、市住建局、市自然资源局、市审计局、市保障性住房服务中心"


def _write(landing: Path, source: str, period: str, name: str, header: list[str], rows: list[list]) -> Path:
    path = landing / source / period / name
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    moment = dt.datetime.fromisoformat(f"{period}-20T10:00:00+08:00").timestamp()
    os.utime(path, (moment, moment))
    return path


def _ledger(landing: Path, period: str) -> list[Path]:
    rows = {"xingan": [A, "恒基·锦绣家园", "兴安区"], "taishan": [B, "恒基·阳光花园", "泰山区"]}
    return [
        _write(
            landing,
            source,
            period,
            f"{name}项目台账_{period}.csv",
            LEDGER,
            [
                [
                    code,
                    project,
                    name,
                    DEVELOPER,
                    USCC,
                    "市场开发",
                    2,
                    "2018-06-30",
                    "资金链断裂",
                    2,
                    2,
                    150,
                    "市住建局",
                    "",
                ]
            ],
        )
        for source, (code, project, name) in rows.items()
    ]


def _supervised_task(progress: str, done_date: str, state: str) -> list[str]:
    """The test's one supervised task (project B, the police's, due 2026-10-20) as a month's file reports it."""
    return [
        "DB2026-001",
        B,
        "泰山区",
        "配合区政府开展清产核资",
        "市公安局",
        "2026-10-12",
        "2026-10-20",
        progress,
        done_date,
        state,
    ]


def _ingest(url: str, paths: list[Path], period: str) -> dict[str, str]:
    out = {}
    for path in paths:
        outcome = ingest_file({"source": path.parent.parent.name, "period": period, "path": str(path)}, url)
        out[path.name] = outcome["status"]
    return out


def test_developer_money_stays_developer_level_and_an_overdue_task_alerts_police_and_office(
    resettle_env, warehouse_url, monkeypatch, tmp_path
):
    from resettle.alerts.engine import check
    from resettle.reporting.bulletin import write_bulletin

    monkeypatch.setenv("RESETTLE_WAREHOUSE_URL", warehouse_url)
    landing = resettle_env["landing"]
    prepare_warehouse(warehouse_url)
    court = _write(
        landing,
        "court",
        "2026-10",
        "市中级人民法院涉案信息_202610.csv",
        COURT,
        [
            ["（2021）黑04执12号", "执行", USCC, DEVELOPER, A, "2021-03-01", "执行中", 10_000_000, 10_000_000, "", ""],
            ["（2022）黑04执7号", "执行", USCC, DEVELOPER, "", "2022-05-09", "执行中", 5_000_000, 5_000_000, "", ""],
        ],
    )
    decisions = _write(
        landing,
        "office",
        "2026-10",
        "联审会签记录_202610.csv",
        DECISIONS,
        [["LS202610-01", "2026-10-12", B, UNITS, "同意", "开发企业不守诺，调整为不配合类", "不配合", "市住建局"]],
    )
    items = _write(
        landing,
        "office",
        "2026-10",
        "督办事项_202610.csv",
        ITEMS,
        [_supervised_task("", "", "办理中")],
    )
    bad = _write(
        landing,
        "office",
        "2026-10",
        "督办事项_责任单位有误.csv",
        ITEMS,
        [
            ["DB2026-002", "ZZ9999-999", "泰山区", "核查", "市规划局", "2026-10-12", "2026-10-30", "", "", "办理中"],
            ["DB2026-003", B, "泰山区", "核查", "市公安局", "2026-10-12", "", "", "", "办理中"],
        ],
    )
    statuses = _ingest(warehouse_url, [*_ledger(landing, "2026-10"), court], "2026-10")
    statuses |= _ingest(warehouse_url, [decisions, items, bad], "2026-10")
    assert statuses[bad.name] == "rejected"
    assert {s for name, s in statuses.items() if name != bad.name} <= {"accepted", "accepted_with_warnings"}
    statuses = _ingest(warehouse_url, _ledger(landing, "2026-11"), "2026-11")
    build_marts(warehouse_url)

    with psycopg.connect(warehouse_url) as conn:
        facts = {
            r[0]: r[1:]
            for r in conn.execute(
                "select project_code, seized_asset_value, developer_seized_asset_value, court_cases,"
                " developer_court_cases, flag_codes from marts.project_joint_review where period = '2026-10'"
            )
        }
        city = conn.execute(
            "select sum(seized_asset_value) from marts.developer_risk where period = '2026-10'"
        ).fetchone()[0]
        decided = conn.execute(
            "select project_code, category_after, category_after_zh from marts.review_decisions"
        ).fetchall()
        november = dict(
            conn.execute(
                "select project_code, flag_codes from marts.project_joint_review where period = '2026-11'"
            ).fetchall()
        )
        findings = conn.execute(
            "select f.excel_row, f.column_header from ops.finding f join ops.submission s using (submission_id)"
            " where s.file_name = %s and f.severity = 'error' order by 1, 2",
            (bad.name,),
        ).fetchall()
    assert facts[A][:4] == (10_000_000, 15_000_000, 1, 2)
    assert facts[B][:4] == (0, 15_000_000, 0, 2)
    assert city == 15_000_000
    assert decided == [(B, 4, "4 不配合")]
    assert "F12" in november[B] and "F12" not in november[A]
    assert (2, "项目编号") in findings and (2, "责任单位") in findings and (3, "办结时限") in findings

    as_of = dt.datetime(2026, 11, 5, 10, 0, tzinfo=SHANGHAI)
    with psycopg.connect(warehouse_url, autocommit=True) as conn:
        sent = check(conn, as_of, periods=["2026-10"])
        again = check(conn, as_of + dt.timedelta(hours=1), periods=["2026-10"])
    overdue = [a for a in sent if a["kind"] == "supervision"]
    assert [a["condition_key"] for a in overdue] == ["supervision:DB2026-001"]
    assert {r["role"] for r in overdue[0]["recipients"]} == {"police", "office"}
    assert "已逾期16天" in overdue[0]["message_zh"]
    assert not [a for a in again if a["kind"] == "supervision"], "once per cadence"
    done = _write(
        landing,
        "office",
        "2026-11",
        "督办事项_202611.csv",
        ITEMS,
        [_supervised_task("已完成", "2026-11-06", "已办结")],
    )
    assert _ingest(warehouse_url, [done], "2026-11")[done.name] in ("accepted", "accepted_with_warnings")
    with psycopg.connect(warehouse_url, autocommit=True) as conn:
        check(conn, dt.datetime(2026, 11, 21, 10, 0, tzinfo=SHANGHAI), periods=["2026-10", "2026-11"])
        resolved = conn.execute(
            "select resolved_at from ops.alert where condition_key = 'supervision:DB2026-001'"
        ).fetchall()
    assert resolved and all(r[0] is not None for r in resolved), "done in the next file: the alert is resolved"

    with psycopg.connect(warehouse_url) as conn:
        xlsx, page = write_bulletin(conn, "2026-10", tmp_path)
        _, november_page = write_bulletin(conn, "2026-11", tmp_path)
    units = {r[0]: r for r in openpyxl.load_workbook(xlsx)["督办事项"].iter_rows(min_row=3, values_only=True)}
    assert units["市公安局"][1:4] == (1, 0, 1) and units["市公安局"][6] == "DB2026-001"
    assert "督办事项办理情况" in page.read_text(encoding="utf-8")
    text = november_page.read_text(encoding="utf-8")
    assert B in text and "联审会签已定为4 不配合，台账未跟进" in text
