"""The printable joint-review sheet (联审会签表) of one project and month: one A4 page for the meeting.

Everything the departments know about the project, from the marts only: the district's ledger, the
service center's units, the housing bureau's construction facts, court, police and tax facts with
project-level and developer-level figures apart (a developer-level figure covers every project of the
company and is marked so), name-inferred matches marked 推断, the consistency flags, the disposal route as a
checklist with the lead unit of each open step, earlier decisions, open supervision items, and the boxes
where the five countersigning units sign. Disposal categories are written by name.

`build_sheet` reads through whatever connection it is given, so the dashboard's scoped connection (row-level
security) and the office's admin connection print the same sheet for what each may see.
"""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from psycopg.rows import dict_row

from resettle.domain.periods import PERIOD_RE, SHANGHAI, zh_month

COUNTERSIGN_UNITS = ("{district}人民政府", "市住建局", "市自然资源局", "市审计局", "市保障性住房服务中心")
"""The units that countersign a joint review (the district government leads)."""
DEVELOPER_LEVEL = "该企业名下全部项目"
INFERRED = "推断"


@dataclass
class ReviewSheet:
    period: str
    project: dict
    steps: list[dict] = field(default_factory=list)
    decisions: list[dict] = field(default_factory=list)
    open_items: list[dict] = field(default_factory=list)

    @property
    def code(self) -> str:
        return self.project["project_code"]

    @property
    def countersign_units(self) -> list[str]:
        return [u.format(district=self.project.get("district_name_zh") or "区") for u in COUNTERSIGN_UNITS]


def _rows(conn: psycopg.Connection, query: str, params: tuple) -> list[dict]:
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(query, params)
        return cur.fetchall()


def _exists(conn: psycopg.Connection, table: str) -> bool:
    row = conn.execute("select to_regclass(%s) is not null", (f"marts.{table}",)).fetchone()
    return bool(row and row[0])


def _mart_rows(conn: psycopg.Connection, mart: str, query: str, params: tuple) -> list[dict]:
    """The rows of a mart a warehouse built before it existed may lack: none then, not an error."""
    return _rows(conn, query, params) if _exists(conn, mart) else []


def build_sheet(conn: psycopg.Connection, project_code: str, period: str) -> ReviewSheet | None:
    """The sheet's content, or None when the project is not in the month's marts (or not visible)."""
    if not PERIOD_RE.match(period):
        raise ValueError(f"not a reporting month YYYY-MM: {period!r}")
    found = _rows(
        conn, "select * from marts.project_joint_review where period = %s and project_code = %s", (period, project_code)
    )
    if not found:
        return None
    sheet = ReviewSheet(period, found[0])
    sheet.steps = _mart_rows(
        conn,
        "project_route_steps",
        "select step_order, step_name_zh, state_zh, is_done, lead_unit_zh, evidence_zh"
        " from marts.project_route_steps where period = %s and project_code = %s"
        " order by step_order",
        (period, project_code),
    )
    sheet.decisions = _mart_rows(
        conn,
        "review_decisions",
        "select meeting_no, meeting_date, units, decision, category_after_zh"
        " from marts.review_decisions where project_code = %s and period <= %s"
        " order by meeting_date desc, meeting_no desc limit 5",
        (project_code, period),
    )
    sheet.open_items = _mart_rows(
        conn,
        "supervision_items",
        "select item_no, task, responsible_unit, due_date, state_zh, days_overdue"
        " from marts.supervision_items where period = %s and project_code = %s"
        " and not is_done order by due_date, item_no",
        (period, project_code),
    )
    return sheet


def _text(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dt.date):
        return f"{value.year}年{value.month}月{value.day}日"
    if isinstance(value, list | tuple):
        return "、".join(str(v) for v in value) or "—"
    return str(value)


def _money(value) -> str:
    if value is None:
        return "—"
    number = float(value)
    if number == 0:
        return "0"
    return f"{number / 10000:,.1f}万元"


def _count(value) -> str:
    return "—" if value is None else f"{int(value):,}"


def department_rows(p: dict) -> list[tuple[str, str, str, str]]:
    """(department, item, 本项目, 该企业名下全部项目) lines: what each department says, at its own level."""

    def money(column: str) -> tuple[str, str]:
        """An amount for the project and for all its developer's projects (`developer_<column>`)."""
        return _money(p.get(column)), _money(p.get(f"developer_{column}"))

    return [
        (
            "市中级人民法院",
            "案件数（未结）",
            f"{_count(p.get('court_cases'))}（{_count(p.get('court_cases_open'))}）",
            f"{_count(p.get('developer_court_cases'))}（{_count(p.get('developer_court_cases_open'))}）",
        ),
        ("市中级人民法院", "标的金额", *money("court_claim_amount")),
        ("市中级人民法院", "查封资产估值", *money("seized_asset_value")),
        ("市中级人民法院", "拍卖成交金额", *money("auction_proceeds")),
        (
            "市公安局",
            "立案数（涉嫌罪名）",
            "按企业报送",
            f"{_count(p.get('developer_police_cases'))}（{_text(p.get('developer_police_charges'))}）",
        ),
        ("市公安局", "冻结资金", "按企业报送", _money(p.get("developer_frozen_funds"))),
        (
            "市税务局",
            "欠税金额（非正常户）",
            "按企业报送",
            f"{_money(p.get('developer_tax_arrears'))}（{_text(p.get('developer_is_abnormal_taxpayer'))}）",
        ),
        (
            "市住建局",
            "继续建设承诺书 / 资金来源",
            f"{_text(p.get('commitment_signed'))} / {_text(p.get('funding_source'))}",
            "",
        ),
        (
            "市住建局",
            "施工许可证 / 形象进度",
            f"{_text(p.get('construction_permit_no'))} / "
            + ("—" if p.get("progress_pct") is None else f"{p.get('progress_pct')}%"),
            "",
        ),
        ("市住建局", "承诺竣工日期", _text(p.get("committed_completion_date")), ""),
        (
            "市保障性住房服务中心",
            "需房源 / 已分配 / 已入住",
            f"{_count(p.get('units_needed'))} / {_count(p.get('units_allocated'))} / {_count(p.get('units_occupied'))}",
            "",
        ),
        (
            "区信访",
            "信访户数（最高层级）",
            f"{_count(p.get('petitioning_households'))}（{_text(p.get('highest_petition_level'))}）",
            "",
        ),
    ]


SHEET_CSS = """
@page { size: A4 portrait; margin: 10mm 11mm 10mm 11mm; }
body { font-family: "Noto Serif CJK SC", "Source Han Serif SC", "SimSun", serif; font-size: 8.6pt; color: #000;
       max-width: 188mm; margin: 0 auto; }
h1 { font-size: 15pt; text-align: center; margin: 0 0 1.5mm; letter-spacing: 2pt; }
.meta { text-align: center; font-size: 8.5pt; margin: 0 0 2mm; }
h2 { font-size: 9.5pt; margin: 2.2mm 0 1mm; break-after: avoid; }
table { width: 100%; border-collapse: collapse; }
th, td { border: 0.6pt solid #333; padding: 0.6mm 1.2mm; text-align: left; vertical-align: top; }
th { background: #eee; font-weight: bold; }
td.k { background: #f6f6f6; width: 17%; }
.tag { border: 0.6pt solid #b00; color: #b00; padding: 0 1mm; font-size: 7.5pt; }
.note { font-size: 7.6pt; color: #333; margin: 0.8mm 0; }
.sign td { height: 17mm; width: 20%; }
.done { color: #060; } .open { color: #b00; font-weight: bold; }
@media screen { body { margin: 1em auto; } }
"""


def _table(head: list[str], rows: list[list[str]], css: str = "") -> str:
    if not rows:
        return '<p class="note">无。</p>'
    cls = f' class="{css}"' if css else ""
    top = "".join(f"<th>{html.escape(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table{cls}><thead><tr>{top}</tr></thead><tbody>{body}</tbody></table>"


def render_html(sheet: ReviewSheet) -> str:
    """A self-contained page sized for one A4 sheet; every value escaped."""
    p, e = sheet.project, html.escape
    generated = dt.datetime.now(SHANGHAI).strftime("%Y-%m-%d %H:%M")
    priority = f"{_text(p.get('priority_score'))}分（第{_text(p.get('priority_rank'))}位）"
    if p.get("is_priority"):
        priority += ' <span class="tag">重点</span>'
    facts = [
        ("项目名称", e(_text(p.get("project_name"))), "项目编号", e(sheet.code)),
        ("所属区", e(_text(p.get("district_name_zh"))), "项目性质", e(_text(p.get("project_nature")))),
        ("开发企业", e(_text(p.get("developer_name"))), "统一社会信用代码", e(_text(p.get("developer_uscc")))),
        ("处置类别", e(_text(p.get("disposal_category_zh"))), "纳入攻坚范围", e(_text(p.get("is_in_scope")))),
        (
            "约定回迁日期",
            e(_text(p.get("contracted_return_date"))),
            "逾期月数 / 停滞月数",
            e(f"{_text(p.get('months_overdue'))} / {_text(p.get('months_without_progress'))}"),
        ),
        (
            "涉及户数 / 未安置",
            e(f"{_count(p.get('households_total'))} / {_count(p.get('households_unresettled'))}"),
            "待安置 / 退款处置",
            e(f"{_count(p.get('households_awaiting'))} / {_count(p.get('households_refund_route'))}"),
        ),
        ("牵头单位（台账）", e(_text(p.get("lead_unit"))), "优先级评分", priority),
    ]
    if p.get("category_changed") or p.get("decided_category") is not None:
        change = f"上月 {_text(p.get('previous_category_zh'))} → 本月 {_text(p.get('disposal_category_zh'))}"
        facts.append(
            (
                "类别变化",
                e(change),
                "联审决定类别",
                e(f"{_text(p.get('decided_category_zh'))}（{_text(p.get('decided_meeting_no'))}）"),
            )
        )
    head_rows = "".join(
        f'<tr><td class="k">{a}</td><td>{b}</td><td class="k">{c}</td><td>{d}</td></tr>' for a, b, c, d in facts
    )
    departments = [[e(d), e(i), e(a), e(b)] for d, i, a, b in department_rows(p)]
    inferred = ""
    if p.get("inferred_matches"):
        inferred = (
            f'<p class="note"><span class="tag">{INFERRED}</span> '
            "以下记录无统一社会信用代码或代码有误，按企业名称"
            f"推断归属本企业，待核实：{e(_text(p.get('inferred_records_zh')))}</p>"
        )
    flags = e(_text(p.get("flags_zh"))) if p.get("flag_count") else "无"
    steps = [
        [
            e(str(s["step_order"])),
            e(s["step_name_zh"]),
            f'<span class="{"done" if s["is_done"] else "open"}">{e(s["state_zh"])}</span>',
            e(_text(s["evidence_zh"]) if s["is_done"] else s["lead_unit_zh"]),
        ]
        for s in sheet.steps
    ]
    decisions = [
        [e(d["meeting_no"]), e(_text(d["meeting_date"])), e(_text(d["decision"])), e(_text(d.get("category_after_zh")))]
        for d in sheet.decisions
    ]
    items = [
        [
            e(i["item_no"]),
            e(_text(i["task"])),
            e(_text(i["responsible_unit"])),
            e(_text(i["due_date"])),
            e(i["state_zh"] + (f"（逾期{i['days_overdue']}天）" if i.get("days_overdue") else "")),
        ]
        for i in sheet.open_items
    ]
    units = sheet.countersign_units
    sign = (
        '<table class="sign"><tr>'
        + "".join(f"<th>{e(u)}</th>" for u in units)
        + "</tr><tr>"
        + "".join("<td>意见：<br><br>签字：<br>日期：</td>" for _ in units)
        + "</tr></table>"
    )
    parts = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN"><head><meta charset="utf-8">',
        f"<title>联审会签表 {e(sheet.code)} {e(zh_month(sheet.period))}</title>",
        f"<style>{SHEET_CSS}</style></head><body>",
        "<h1>回迁安置项目联审会签表</h1>",
        f'<p class="meta">报送期：{e(zh_month(sheet.period))} · 市回迁安置工作领导小组办公室 · '
        f"生成时间 {generated}</p>",
        f"<table>{head_rows}</table>",
        f"<h2>一、各部门信息（本项目 / {DEVELOPER_LEVEL}）</h2>",
        _table(["部门", "事项", "本项目", DEVELOPER_LEVEL], departments),
        '<p class="note">“该企业名下全部项目”为开发企业层面数据，同一企业的每个项目均显示同一数值，'
        "不得按项目相加。</p>",
        inferred,
        f"<h2>二、一致性问题</h2><p>{flags}</p>",
        "<h2>三、处置路径</h2>",
        _table(["序号", "步骤", "状态", "依据 / 牵头单位"], steps),
        "<h2>四、历次联审决定</h2>",
        _table(["会议编号", "会议日期", "决定事项", "调整后类别"], decisions),
        "<h2>五、未办结督办事项</h2>",
        _table(["督办编号", "交办事项", "责任单位", "办结时限", "状态"], items),
        "<h2>六、会签</h2>",
        sign,
        "</body></html>",
    ]
    return "\n".join(parts)


def write_review_sheet(
    conn: psycopg.Connection, project_code: str, period: str, out_dir: Path | str, pdf: bool = False
) -> list[Path]:
    """Write `联审会签表_<code>_<period>.html` (and `.pdf` with a local Chromium); returns the paths."""
    sheet = build_sheet(conn, project_code, period)
    if sheet is None:
        raise LookupError(f"project {project_code} has no joint-review row for {period}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    page = out / f"联审会签表_{project_code}_{period}.html"
    page.write_text(render_html(sheet), encoding="utf-8")
    written = [page]
    if pdf:
        from resettle.reporting.bulletin import html_to_pdf

        written.append(html_to_pdf(page))
    return written
