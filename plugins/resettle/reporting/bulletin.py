"""The monthly bulletin (月度通报) the leading-group office sends: xlsx for the record, HTML to print on A4.

For one reporting month, from the marts only: districts ranked by resettlement progress (with their
on-time reporting), late and missing submissions, the top-priority projects, the projects with open
consistency flags, and the change from the month before. The xlsx is written through the same
formula-safe writer as the dashboard's exports; the HTML escapes every value and carries its own print
stylesheet, so "print to PDF" from any browser gives the paper version; `html_to_pdf` does the same with a
local headless Chromium when one is installed (optional: no PDF library is a dependency).
"""

from __future__ import annotations

import datetime as dt
import html
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import psycopg

from resettle.domain import links
from resettle.domain.periods import PERIOD_RE, SHANGHAI, add_months, zh_month
from resettle.reporting.export import SafeWorkbook
from resettle.reporting.labels import CERTIFICATE_LABELS, PETITION_LABELS

TOP_PROJECTS = 10
TREND_MONTHS = 12
"""Months the bulletin's trend chart covers, ending with the bulletin's month."""

RANKING_LABELS = {
    "rank": "名次",
    "district_name_zh": "区",
    "projects": "项目数",
    "households_total": "涉及户数",
    "households_unresettled": "未安置户数",
    "percent_resettled": "安置完成率(%)",
    "percent_change": "完成率环比(百分点)",
    "resettled_this_month": "本月新增安置户数",
    "unresettled_change": "未安置户数环比",
    "reporting_rate": "报送率(%)",
    "on_time_rate": "及时率(%)",
}
LATE_LABELS = {
    "source_name_zh": "报送单位",
    "expected": "应报",
    "accepted": "已接收",
    "late": "逾期报送",
    "missing": "未报",
    "rejected": "退回未重报",
    "days_late": "逾期天数",
    "is_extended": "已延期",
}
PROJECT_LABELS = {
    "project_code": "项目编号",
    "project_name": "项目名称",
    "district_name_zh": "区",
    "developer_name": "开发企业",
    "disposal_category_zh": "处置类别",
    "months_overdue": "逾期月数",
    "households_unresettled": "未安置户数",
    "highest_petition_level": "最高信访层级",
    "priority_score": "优先级评分",
    "is_priority": "重点",
    "flags_zh": "一致性问题",
}
FLAG_LABELS = {
    "project_code": "项目编号",
    "project_name": "项目名称",
    "district_name_zh": "区",
    "flag_count": "问题数",
    "flag_codes": "问题代码",
    "flags_zh": "一致性问题",
}
SUMMARY_LABELS = {"figure": "指标", "previous": "上月", "current": "本月", "change": "环比变化"}
CHANGE_LABELS = {
    "project_code": "项目编号",
    "project_name": "项目名称",
    "district_name_zh": "区",
    "change_zh": "变化情况",
    "households_total": "涉及户数",
    "households_scope_change": "范围变化户数",
}
SUPERVISION_LABELS = {
    "responsible_unit": "责任单位",
    "items": "督办事项数",
    "open": "办理中",
    "overdue": "逾期未办结",
    "done_on_time": "按期办结",
    "done_late": "逾期办结",
    "overdue_items": "逾期事项",
}


@dataclass
class Bulletin:
    period: str
    summary: pd.DataFrame
    ranking: pd.DataFrame
    late_missing: pd.DataFrame | None
    priority: pd.DataFrame
    flags: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    changes: pd.DataFrame | None = None
    supervision: pd.DataFrame | None = None
    charts: list[str] = field(default_factory=list)
    """Inline SVG charts (trend, ranking, district map), printed after the overall figures."""
    certificates: pd.DataFrame | None = None
    petitions: pd.DataFrame | None = None

    @property
    def sections(self) -> list[tuple[str, str, pd.DataFrame | None, dict[str, str]]]:
        """(sheet name, heading, frame, labels) in the order they are printed."""
        return [
            ("环比变化", "一、全市总体情况及环比变化", self.summary, SUMMARY_LABELS),
            ("区排名", "二、各区安置进度排名", self.ranking, RANKING_LABELS),
            ("迟报缺报", "三、迟报、缺报情况", self.late_missing, LATE_LABELS),
            ("重点项目", f"四、优先级最高的{TOP_PROJECTS}个项目", self.priority, PROJECT_LABELS),
            ("一致性问题", "五、存在一致性问题的项目", self.flags, FLAG_LABELS),
            ("类别与范围变化", "六、处置类别变化、范围变化及正常在建项目逾期", self.changes, CHANGE_LABELS),
            ("产权办理", "七、各区产权证办理情况", self.certificates, CERTIFICATE_LABELS),
            ("信访", "八、各区信访件办理情况", self.petitions, PETITION_LABELS),
            ("督办事项", "九、督办事项办理情况", self.supervision, SUPERVISION_LABELS),
        ]


def _frame(conn: psycopg.Connection, query: str, params: tuple = ()) -> pd.DataFrame:
    with conn.cursor() as cur:
        cur.execute(query, params)
        return pd.DataFrame(cur.fetchall(), columns=[c.name for c in cur.description])


def _exists(conn: psycopg.Connection, table: str) -> bool:
    return conn.execute("select to_regclass(%s) is not null", (f"marts.{table}",)).fetchone()[0]


def _num(series: pd.Series) -> pd.Series:
    return pd.to_numeric(series, errors="coerce")


def build_bulletin(conn: psycopg.Connection, period: str) -> Bulletin:
    """The bulletin's tables for a month, read from the marts."""
    if not PERIOD_RE.match(period):
        raise ValueError(f"not a reporting month YYYY-MM: {period!r}")
    previous = add_months(period, -1)
    notes: list[str] = []
    history = _frame(
        conn,
        "select district, district_name_zh, period, projects, households_total,"
        " households_unresettled, households_resettled, percent_resettled, resettled_this_month,"
        " priority_projects, flagged_projects from marts.district_monthly_progress"
        " where period between %s and %s",
        (add_months(period, -(TREND_MONTHS - 1)), period),
    )
    for column in history.columns[3:]:
        history[column] = _num(history[column])
    progress = history[history.period.isin([period, previous])]
    current = progress[progress.period == period].set_index("district")
    before = progress[progress.period == previous].set_index("district")
    if current.empty:
        notes.append(f"{zh_month(period)}暂无区月度进展数据。")

    timeliness = None
    if _exists(conn, "submission_timeliness"):
        timeliness = _frame(
            conn,
            "select source, source_name_zh, source_kind, district, expected, accepted,"
            " on_time, late, missing, rejected, days_late, is_extended, reporting_rate,"
            " on_time_rate"
            " from marts.submission_timeliness where period = %s order by source",
            (period,),
        )
        for column in ("reporting_rate", "on_time_rate"):
            timeliness[column] = _num(timeliness[column])
    else:
        notes.append("报送及时率暂无数据（marts.submission_timeliness 尚未生成）。")

    ranking = current.copy()
    earlier = before.reindex(ranking.index)
    ranking["percent_change"] = (ranking.percent_resettled - earlier.percent_resettled).round(1)
    ranking["unresettled_change"] = ranking.households_unresettled - earlier.households_unresettled
    if timeliness is not None:
        rates = timeliness[timeliness.source_kind == "district"].set_index("district")
        ranking["reporting_rate"] = rates.reporting_rate.reindex(ranking.index)
        ranking["on_time_rate"] = rates.on_time_rate.reindex(ranking.index)
    ranking = ranking.reset_index().sort_values(["percent_resettled", "district"], ascending=[False, True])
    ranking.insert(0, "rank", range(1, len(ranking) + 1))
    ranking = ranking[[c for c in RANKING_LABELS if c in ranking.columns]].reset_index(drop=True)

    late_missing = None
    if timeliness is not None:
        late_missing = timeliness[(timeliness.late > 0) | (timeliness.missing > 0) | (timeliness.rejected > 0)]
        late_missing = late_missing.sort_values(["missing", "days_late"], ascending=False)[list(LATE_LABELS)]
        late_missing = late_missing.reset_index(drop=True)

    priority = _frame(
        conn,
        "select " + ", ".join(PROJECT_LABELS) + " from marts.project_joint_review"
        " where period = %s and is_in_scope order by priority_score desc, project_code limit %s",
        (period, TOP_PROJECTS),
    )
    flags = _frame(
        conn,
        "select " + ", ".join(FLAG_LABELS) + " from marts.project_joint_review"
        " where period = %s and flag_count > 0 order by flag_count desc, project_code",
        (period,),
    )

    summary = _summary(history, period, timeliness)
    charts = _charts(history, period, current.reset_index()) if not current.empty else []
    return Bulletin(
        period,
        summary,
        ranking,
        late_missing,
        priority,
        flags,
        notes=notes,
        changes=_changes(conn, period),
        supervision=_supervision(conn, period),
        charts=charts,
        certificates=_certificates(conn, period),
        petitions=_petitions(conn, period),
    )


def _changes(conn: psycopg.Connection, period: str) -> pd.DataFrame:
    """Projects whose category or scope changed since last month, whose ledger does not follow a joint-review
    decision, or that are "normal construction" but already past their contracted return date."""
    frame = _frame(
        conn,
        "select project_code, project_name, district_name_zh, previous_category_zh,"
        " disposal_category_zh, category_changed, scope_change, is_decision_not_followed,"
        " decided_category_zh,"
        " is_normal_but_overdue, months_overdue, households_total, households_scope_change"
        " from marts.project_joint_review where period = %s and (category_changed"
        " or scope_change is not null or is_decision_not_followed or is_normal_but_overdue)"
        " order by project_code",
        (period,),
    )

    def describe(row) -> str:
        parts = []
        if row.category_changed:
            parts.append(f"处置类别由{row.previous_category_zh}调整为{row.disposal_category_zh}")
        if row.scope_change:
            parts.append(f"{row.scope_change}攻坚范围")
        if row.is_decision_not_followed:
            parts.append(f"联审会签已定为{row.decided_category_zh}，台账未跟进")
        if row.is_normal_but_overdue:
            parts.append(f"正常在建但已逾期{row.months_overdue}个月")
        return "；".join(parts)

    frame["change_zh"] = [describe(r) for r in frame.itertuples()] if not frame.empty else []
    return frame[list(CHANGE_LABELS)].reset_index(drop=True)


def _supervision(conn: psycopg.Connection, period: str) -> pd.DataFrame | None:
    """Supervised tasks per responsible unit: open, overdue, done on time, done late, and which are overdue."""
    if not _exists(conn, "supervision_items"):
        return None
    items = _frame(
        conn,
        "select item_no, responsible_unit, state_zh from marts.supervision_items where period = %s"
        " order by responsible_unit, item_no",
        (period,),
    )
    if items.empty:
        return pd.DataFrame(columns=list(SUPERVISION_LABELS))
    rows = []
    for unit, mine in items.groupby("responsible_unit", sort=True):
        rows.append(
            {
                "responsible_unit": unit,
                "items": len(mine),
                "open": int((mine.state_zh == "办理中").sum()),
                "overdue": int((mine.state_zh == "逾期未办结").sum()),
                "done_on_time": int((mine.state_zh == "按期办结").sum()),
                "done_late": int((mine.state_zh == "逾期办结").sum()),
                "overdue_items": "、".join(mine.item_no[mine.state_zh == "逾期未办结"]) or None,
            }
        )
    return pd.DataFrame(rows, columns=list(SUPERVISION_LABELS))


def _certificates(conn: psycopg.Connection, period: str) -> pd.DataFrame | None:
    """Districts ranked by the share of exchange-flat households holding their certificate."""
    if not _exists(conn, "certificate_progress"):
        return None
    frame = _frame(conn, "select * from marts.certificate_progress where period = %s", (period,))
    if frame.empty:
        return frame
    frame["issued_percent"] = (100 * _num(frame.issued_rate)).round(1)
    frame = frame.sort_values(["issued_percent", "district"], ascending=[False, True]).reset_index(drop=True)
    frame.insert(0, "rank", range(1, len(frame) + 1))
    return frame[list(CERTIFICATE_LABELS)]


def _petitions(conn: psycopg.Connection, period: str) -> pd.DataFrame | None:
    """Petition cases per district: new, resolved, open by level, and escalated cases lacking a handler."""
    if not _exists(conn, "petition_cases"):
        return None
    return _frame(
        conn,
        "select coalesce(d.district_name_zh, '未定区') as district_name_zh,"
        " count(*) filter (where p.is_new_this_month) as new_cases,"
        " count(*) filter (where p.is_closed_this_month) as resolved_cases,"
        " count(*) filter (where p.is_open) as open_cases,"
        " count(*) filter (where p.is_open and p.level = '省') as open_province,"
        " count(*) filter (where p.is_open and p.level = '进京') as open_beijing,"
        " count(*) filter (where p.is_open and p.is_mass) as open_mass,"
        " count(*) filter (where p.lacks_handler) as without_handler,"
        " coalesce(sum(p.persons) filter (where p.is_open), 0) as open_persons"
        " from marts.petition_cases as p left join reference.districts as d on p.district = d.district"
        " where p.period = %s group by 1 order by open_cases desc, 1",
        (period,),
    )


def _charts(history: pd.DataFrame, period: str, current: pd.DataFrame) -> list[str]:
    """The completion rate by month, the districts ranked by it, and the district map of unresettled households."""
    from resettle.reporting.dashboard.charts import svg_bars, svg_tiles, svg_trend
    from resettle.reporting.dashboard.figures import trend

    months = trend(history)
    return [
        svg_trend(list(zip(months.month_zh, months.percent_resettled, strict=True)), "全市安置完成率（逐月）"),
        svg_bars(
            list(zip(current.district_name_zh, current.percent_resettled, strict=True)),
            f"{zh_month(period)}各区安置完成率",
            percent=True,
        ),
        svg_tiles(current, "households_unresettled", f"{zh_month(period)}各区未安置户数"),
    ]


def _summary(history: pd.DataFrame, period: str, timeliness: pd.DataFrame | None) -> pd.DataFrame:
    """The headline figures (`dashboard.figures.headline`, the same as the dashboard's 总览) with last month's."""
    from resettle.reporting.dashboard.figures import headline

    rows = []
    for figure in headline(history, period):
        name = f"{figure.label_zh}(%)" if figure.percent else figure.label_zh
        rows.append({"figure": name, "previous": figure.previous, "current": figure.current, "change": figure.change})
    if timeliness is not None and not timeliness.empty:
        expected = timeliness.expected.sum()
        rate = round(100 * timeliness.accepted.sum() / expected, 1) if expected else None
        on_time = round(100 * timeliness.on_time.sum() / expected, 1) if expected else None
        rows.append({"figure": "全市报送率(%)", "previous": None, "current": rate, "change": None})
        rows.append({"figure": "全市及时率(%)", "previous": None, "current": on_time, "change": None})
    frame = pd.DataFrame(rows)
    for column in ("previous", "current", "change"):
        frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    return frame


def write_bulletin(conn: psycopg.Connection, period: str, out_dir: Path | str) -> tuple[Path, Path]:
    """Write `bulletin_<period>.xlsx` and `bulletin_<period>.html` into out_dir; returns both paths."""
    bulletin = build_bulletin(conn, period)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    xlsx_path, html_path = out / f"bulletin_{period}.xlsx", out / f"bulletin_{period}.html"
    book = SafeWorkbook(str(xlsx_path))
    for sheet, heading, frame, labels in bulletin.sections:
        book.add_frame(
            sheet,
            frame if frame is not None else pd.DataFrame({"说明": ["暂无数据"]}),
            title=f"{zh_month(period)}回迁安置工作通报 · {heading}",
            labels=labels,
        )
    book.close()
    html_path.write_text(render_html(bulletin), encoding="utf-8")
    return xlsx_path, html_path


PRINT_CSS = """
@page { size: A4 portrait; margin: 18mm 15mm 18mm 15mm;
        @bottom-center { content: "第 " counter(page) " 页 / 共 " counter(pages) " 页"; font-size: 9pt; } }
body { font-family: "Noto Serif CJK SC", "Source Han Serif SC", "SimSun", "Songti SC", serif;
       font-size: 10.5pt; color: #000; max-width: 180mm; margin: 0 auto; }
h1 { font-size: 20pt; text-align: center; color: #b00; letter-spacing: 2pt; margin: 0 0 4mm; }
.meta { text-align: center; font-size: 10pt; border-bottom: 2px solid #b00; padding-bottom: 3mm; margin-bottom: 6mm; }
h2 { font-size: 13pt; margin: 7mm 0 3mm; page-break-after: avoid; break-after: avoid; }
table { width: 100%; border-collapse: collapse; font-size: 9pt; page-break-inside: auto; }
thead { display: table-header-group; }
tr { page-break-inside: avoid; break-inside: avoid; }
th, td { border: 1px solid #444; padding: 1.2mm 1.5mm; text-align: left; vertical-align: top; }
th { background: #eee; }
td.num { text-align: right; white-space: nowrap; }
td.short { white-space: nowrap; }
.note { font-size: 9pt; color: #444; }
.charts { display: flex; flex-wrap: wrap; gap: 4mm; margin-top: 4mm; }
figure.chart { margin: 0; break-inside: avoid; page-break-inside: avoid; }
figure.chart svg { max-width: 100%; height: auto; }
@media screen { body { margin: 2em auto; } }
"""


def _cell(value) -> tuple[str, bool]:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "—", False
    if isinstance(value, bool):
        return ("是" if value else "否"), False
    if isinstance(value, list | tuple):
        return "、".join(str(v) for v in value), False
    if isinstance(value, int | float) or hasattr(value, "is_integer"):
        number = float(value)
        text = f"{int(number):,}" if number.is_integer() else f"{number:,.1f}"
        return text, True
    return str(value), False


def _html_table(frame: pd.DataFrame | None, labels: dict[str, str]) -> str:
    if frame is None or frame.empty:
        return '<p class="note">暂无数据。</p>'
    head = "".join(f"<th>{html.escape(labels.get(c, c))}</th>" for c in frame.columns)
    rows = []
    for values in frame.itertuples(index=False, name=None):
        cells = []
        for value in values:
            text, numeric = _cell(value.item() if hasattr(value, "item") else value)
            css = " class=num" if numeric else (" class=short" if len(text) <= 6 else "")
            cells.append(f"<td{css}>{html.escape(text)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def render_html(bulletin: Bulletin) -> str:
    """A self-contained, print-ready page (A4, repeated table headers, no external resources)."""
    generated = dt.datetime.now(SHANGHAI).strftime("%Y-%m-%d %H:%M")
    site = links.dashboard()
    online = f' · 在线看板 <a href="{html.escape(site)}">{html.escape(site)}</a>' if site else ""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN"><head><meta charset="utf-8">',
        f"<title>{html.escape(zh_month(bulletin.period))}回迁安置工作通报</title>",
        f"<style>{PRINT_CSS}</style></head><body>",
        f"<h1>{html.escape(zh_month(bulletin.period))}回迁安置工作通报</h1>",
        f'<p class="meta">市回迁安置工作领导小组办公室 · 生成时间 {generated}（数据来自数据仓库 marts）{online}</p>',
    ]
    for note in bulletin.notes:
        parts.append(f'<p class="note">注：{html.escape(note)}</p>')
    for i, (_sheet, heading, frame, labels) in enumerate(bulletin.sections):
        parts.append(f"<h2>{html.escape(heading)}</h2>")
        parts.append(_html_table(frame, labels))
        if i == 0 and bulletin.charts:
            parts.append(
                '<div class="charts">'
                + "".join(f'<figure class="chart">{svg}</figure>' for svg in bulletin.charts)
                + "</div>"
            )
    parts.append("</body></html>")
    return "\n".join(parts)


CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


CHROMIUM_OFFLINE_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
"""How a local Chromium is started to render our own pages: no sandbox (it runs as a service user), no GPU,
and nothing that reaches the network on its own (updates, sync, QUIC)."""


def find_chromium() -> str | None:
    """RESETTLE_CHROMIUM, else a Chromium or Chrome on PATH."""
    configured = os.environ.get("RESETTLE_CHROMIUM")
    if configured:
        return configured
    return next((found for name in CHROMIUM_NAMES if (found := shutil.which(name))), None)


def html_to_pdf(html_path: Path, pdf_path: Path | None = None) -> Path:
    """Print the bulletin page to an A4 PDF with a local headless Chromium (offline, no network flags)."""
    chromium = find_chromium()
    if not chromium:
        raise RuntimeError("no Chromium found for PDF output: set RESETTLE_CHROMIUM or print the HTML from a browser")
    pdf_path = pdf_path or html_path.with_suffix(".pdf")
    subprocess.run(
        [
            chromium,
            "--headless",
            *CHROMIUM_OFFLINE_ARGS,
            "--no-pdf-header-footer",
            f"--print-to-pdf={pdf_path}",
            html_path.resolve().as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    if not pdf_path.exists():
        raise RuntimeError(f"Chromium wrote no PDF for {html_path}")
    return pdf_path
