"""What each office reports about the world in one month: one table per file, keyed by contract column names.

Tables hold plain values (text, numbers, dates, booleans); how they look on paper — headers, date forms,
separators, encodings — is the writers' business, and clerks' mistakes are the errors module's.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from resettle.devtools.generator.office import Office
from resettle.devtools.generator.world import UNIT_FREE, Project, World
from resettle.domain.contracts import contract

_ISSUES = {
    1: ("项目清盘手续办理中，债权债务尚未厘清", "开发企业所欠居民费用追缴难度大"),
    2: ("续建资金到位不足，工程进度滞后", "部分居民对原址回迁期限有顾虑", "建设手续补办进展较慢"),
    3: ("开发企业主体灭失，资产评估拍卖周期长", "接盘企业尚未确定"),
    4: ("开发企业拒不配合，资料移交困难", "涉案资产查封后处置周期长", "部分居民情绪激动，信访压力大"),
    5: ("", "冬季停工影响施工进度"),
}
_NEXT_STEPS = {
    1: ("加快清盘收回，组织居民选房", "督促签订产权调换协议"),
    2: ("督促开发企业按承诺书节点施工", "每周调度工程进度，做好居民解释工作"),
    3: ("推进资产评估和司法拍卖", "对接意向接盘企业，落实异地安置房源"),
    4: ("配合公安、法院开展清产核资", "加快异地安置房源分配"),
    5: ("加强事中事后监管，确保按期回迁", "督促施工单位合理安排工期"),
}
_ROUTINE = (
    "入户走访未安置居民，宣传安置政策",
    "组织居民代表座谈，听取意见",
    "配合市住建局开展联审会签",
    "梳理居民档案，核实户数和面积",
)


@dataclass
class Table:
    """One file's content before it is written: rows of values under contract column names."""

    source: str
    dataset: str
    period: str
    columns: list[str]
    rows: list[dict[str, object]] = field(default_factory=list)


def _table(source: str, dataset: str, period: str, rows: list[dict[str, object]]) -> Table:
    return Table(source, dataset, period, list(contract(dataset).column_names), rows)


def _records(source: str, dataset: str, period: str, objects: list) -> Table:
    """A table of objects whose fields carry the contract's column names, one row each."""
    columns = contract(dataset).column_names
    return _table(source, dataset, period, [{name: getattr(o, name) for name in columns} for o in objects])


def _counts(project: Project, month_start: dt.date) -> tuple[int, int, int]:
    """Resettled this month, resettled so far, agreements signed this month."""
    this_month = cumulative = signed = 0
    for household in project.households:
        if household.resettled:
            cumulative += 1
            this_month += household.resettled_date >= month_start
        if household.agreement_date and household.agreement_date >= month_start:
            signed += 1
    return this_month, cumulative, signed


def _remarks(project: Project, world: World) -> str | None:
    if project.project_nature == "保障性住房":
        return "保障性住房项目，不纳入本次处置范围"
    if project.disposal_category == 5:
        return "正常在建项目，不纳入本次安置范围"
    if any(h.petition_level == "进京" and not h.resettled for h in project.households):
        return "有进京信访户，已落实专人负责"
    if project.disposal_category == 4 and any(c.developer is project.developer for c in world.police_cases):
        return "已移交公安机关立案侦查"
    if project.construction.commitment_date and project.disposal_category == 4:
        return "开发企业未履行继续建设承诺"
    return None


def _lead_unit(project: Project, world: World) -> str:
    district_government = f"{world.districts[project.district].name_zh}人民政府"
    return {
        1: "市保障性住房服务中心",
        2: "市住房和城乡建设局",
        3: district_government,
        4: "市公安局、市中级人民法院",
        5: "市住房和城乡建设局",
    }[project.disposal_category]


def project_ledger(world: World, district: str, period: str) -> Table:
    rows = []
    for project in world.projects_of(district):
        unresettled = sum(1 for h in project.households if not h.resettled)
        rows.append(
            {
                "project_code": project.project_code,
                "project_name": project.project_name,
                "district": world.districts[district].name_zh,
                "developer_name": project.developer.name,
                "developer_uscc": project.developer.uscc,
                "project_nature": project.project_nature,
                "disposal_category": project.disposal_category,
                "contracted_return_date": project.contracted_return_date,
                "overdue_reason": project.overdue_reason,
                "households_total": len(project.households),
                "households_unresettled": min(len(project.households), unresettled + project.ledger_offset),
                "resettlement_area_m2": round(sum(h.contracted_area_m2 for h in project.households), 2),
                "lead_unit": _lead_unit(project, world),
                "remarks": _remarks(project, world),
            }
        )
    return _table(district, "project_ledger", period, rows)


def household_roster(
    world: World, district: str, period: str, extra: dict[str, dict[str, object]] | None = None
) -> Table:
    """`extra` adds or overrides columns per household code (the refund columns, see feeds.py)."""
    rows = []
    for project in world.projects_of(district):
        for h in project.households:
            rows.append(
                {
                    "household_code": h.household_code,
                    "project_code": h.project_code,
                    "head_name": h.head_name,
                    "id_number": h.id_number,
                    "phone": h.phone,
                    "household_type": h.household_type,
                    "contract_no": h.contract_no,
                    "contract_date": h.contract_date,
                    "contracted_area_m2": h.contracted_area_m2,
                    "has_lawful_residence": h.has_lawful_residence,
                    "resettlement_choice": h.resettlement_choice,
                    "agreement_type": h.agreement_type,
                    "agreement_date": h.agreement_date,
                    "resettled": h.resettled,
                    "resettled_date": h.resettled_date,
                    "unit_code": h.unit.unit_code if h.unit else None,
                    "petition_level": h.petition_level,
                    **(extra or {}).get(h.household_code, {}),
                }
            )
    return _table(district, "household_roster", period, rows)


def monthly_progress(world: World, district: str, period: str, month_start: dt.date, rng: random.Random) -> Table:
    rows = []
    for project in world.projects_of(district):
        this_month, cumulative, signed = _counts(project, month_start)
        category = project.disposal_category
        if this_month:
            note = f"本月完成{this_month}户安置交房" + (f"，新签订安置协议{signed}户" if signed else "")
        elif signed:
            note = f"本月新签订安置协议{signed}户，房源已落实"
        else:
            note = rng.choice(_ROUTINE)
        rows.append(
            {
                "project_code": project.project_code,
                "resettled_this_month": this_month,
                "resettled_cumulative": cumulative,
                "progress_note": note,
                "issues_note": rng.choice(_ISSUES[category]) or None,
                "next_steps": rng.choice(_NEXT_STEPS[category]),
            }
        )
    return _table(district, "monthly_progress", period, rows)


def construction_status(world: World, period: str) -> Table:
    rows = []
    for project in world.projects:
        c = project.construction
        rows.append(
            {
                "project_code": project.project_code,
                "developer_uscc": project.developer.uscc,
                "planning_permit_no": c.planning_permit_no,
                "construction_permit_no": c.construction_permit_no,
                "commitment_signed": c.commitment_date is not None,
                "commitment_date": c.commitment_date,
                "funding_source": c.funding_source,
                "committed_start_date": c.committed_start,
                "committed_completion_date": c.committed_completion,
                "progress_pct": c.progress_pct,
            }
        )
    return _table("housing_bureau", "construction_status", period, rows)


def housing_units(world: World, period: str) -> Table:
    rows = [
        {
            "unit_code": u.unit_code,
            "district": world.districts[u.district].name_zh,
            "unit_type": u.unit_type,
            "address": u.address,
            "area_m2": u.area_m2,
            "status": u.status,
            "household_code": u.household_code if u.status != UNIT_FREE else None,
        }
        for u in sorted(world.units, key=lambda u: u.unit_code)
    ]
    return _table("housing_center", "housing_units", period, rows)


def court_cases(world: World, period: str) -> Table:
    cases = sorted(world.court_cases, key=lambda c: (c.filed_date, c.case_no))
    return _records("court", "court_cases", period, cases)


def police_cases(world: World, period: str) -> Table:
    cases = sorted(world.police_cases, key=lambda c: (c.filed_date, c.case_no))
    return _records("police", "police_cases", period, cases)


def tax_status(world: World, period: str) -> Table:
    rows = [
        {
            "uscc": d.uscc,
            "company_name": d.tax_name,
            "tax_period": period,
            "tax_arrears": d.tax_arrears,
            "abnormal_status": d.abnormal_taxpayer,
            "last_filing_date": d.last_filing,
        }
        for d in sorted(world.developers, key=lambda d: d.uscc)
    ]
    return _table("tax", "tax_status", period, rows)


def review_decisions(office: Office, period: str) -> Table:
    rows = [
        {
            "meeting_no": d.meeting_no,
            "meeting_date": d.meeting_date,
            "project_code": d.project_code,
            "units": d.units,
            "opinion": d.opinion,
            "decision": d.decision,
            "category_after": d.category_after,
            "recorder": d.recorder,
        }
        for d in office.decisions_of(period)
    ]
    return _table("office", "review_decisions", period, rows)


def supervision_items(office: Office, period: str) -> Table:
    rows = [
        {
            "item_no": i.item_no,
            "project_code": i.project_code,
            "district": office.world.districts[i.district].name_zh,
            "task": i.task,
            "responsible_unit": i.responsible_unit,
            "assigned_date": i.assigned_date,
            "due_date": i.due_date,
            "progress_note": i.progress_note,
            "done_date": i.done_date,
            "status": i.status,
        }
        for i in office.items
    ]
    return _table("office", "supervision_items", period, rows)
