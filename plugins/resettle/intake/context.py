"""Checks that need more than the file itself: the rest of the district's package and last month.

A household roster or monthly progress names projects that must be in the same district's project ledger
for the month; the roster's unresettled households should add up to the ledger's figure; cumulative
resettlement never falls from one month to the next; a project of last month's ledger should still be in
this month's (a code that disappears is named, and when a new code carries the same project name, both
codes are named as a likely renumbering); codes may be held to a form the office set for the source (the
`code_patterns` seed; a warning); a project code another district's ledger in force already uses is an
error naming that district and project (codes are the districts' own, so two may collide: the warehouse
and the departments' files know a project by its code alone, so the second ledger is not taken until the
office settles the codes; a department's file naming a code two districts use is warned); and a file
whose row count swings far from last month's is worth a second look. The facts are read from the
warehouse (what was accepted) and handed to the suite as plain values, so the suite stays a pure function
of its inputs.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import pandas as pd
import psycopg

from resettle.domain import reference
from resettle.domain.config import DISTRICTS
from resettle.domain.contracts import DEPENDS_ON_LEDGER, contract
from resettle.domain.periods import add_months

VOLUME_SWING = 0.3
VOLUME_MIN_ROWS = 20
KNOWN_SETS = {
    "allocated_units": """
        select unit_code from raw.housing_units
        where submission_id = (
            select submission_id from ops.submission
            where source = 'housing_center' and dataset = 'housing_units' and period <= %(period)s
              and status in ('accepted', 'accepted_with_warnings')
            order by period desc, submission_id desc limit 1)
          and status in ('已分配', '已入住')""",
    "ledger_projects": """
        select project_code from raw.project_ledger
        where submission_id in (
            select distinct on (source) submission_id from ops.submission
            where dataset = 'project_ledger' and period <= %(period)s
              and status in ('accepted', 'accepted_with_warnings')
            order by source, period desc, submission_id desc)""",
    "reported_projects": """
        select distinct l.project_code from raw.project_ledger l
        join ops.submission s on s.submission_id = l.submission_id
        where s.status in ('accepted', 'accepted_with_warnings') and s.period <= %(period)s""",
}
"""What a contract's `references` may name: the values the warehouse holds, as of the file's month (each
source's latest accepted file up to that month)."""
OTHER_DISTRICTS_CODES = """
    select l.project_code, s.source, l.project_name from raw.project_ledger l
    join (select distinct on (source) submission_id, source from ops.submission
          where dataset = 'project_ledger' and period <= %(period)s and source <> %(source)s
            and status in ('accepted', 'accepted_with_warnings')
          order by source, period desc, submission_id desc) s on s.submission_id = l.submission_id
    where l.project_code is not null
    order by s.source, l.source_row"""
"""The other districts' project codes (each district's latest accepted ledger up to the month)."""
KNOWN_SET_LABELS = {
    "allocated_units": "市保障性住房服务中心的房源分配情况",
    "ledger_projects": "各区的项目台账",
    "reported_projects": "各区已报送的项目台账",
}


@dataclass(frozen=True)
class ProblemColumn:
    """A `_problem__<name>` column: None where the row is fine, else the sentence a clerk reads."""

    name: str
    blame: str
    severity: str
    check: str


@dataclass
class PackageContext:
    """What the warehouse already knows about this source, dataset and period."""

    ledger: dict[str, tuple[int, int]] | None = None
    previous_cumulative: dict[str, int] | None = None
    previous_rows: int | None = None
    own_district: str | None = None
    previous_projects: dict[str, str] | None = None
    """Last month's ledger of this source: project code → project name."""
    code_patterns: tuple[reference.CodePattern, ...] = ()
    carried_codes: dict[str, str] | None = None
    """Set by `add_context_columns`: last month's codes this ledger should still hold (renumbered ones are
    reported on their new row instead), code → project name."""
    missing_codes: dict[str, str] | None = None
    """Set by `add_context_columns`: the carried codes this ledger lacks, code → project name."""
    known: dict[str, set[str] | None] | None = None
    member_units: set[str] | None = None
    """Names of the units that may be given a task: the sources seed (for supervision items)."""
    other_districts: dict[str, tuple[str, str]] | None = None
    """For a district's ledger: the project codes of the other districts' ledgers in force (each district's
    latest accepted up to the month), code → (source, project name)."""
    shared_codes: dict[str, tuple[str, ...]] | None = None
    """For a department's file naming projects: the codes that two or more districts' ledgers in force use,
    code → those districts (sources); such a code cannot tell which project is meant."""


def _current_submission(conn: psycopg.Connection, source: str, dataset: str, period: str) -> tuple[int, int] | None:
    row = conn.execute(
        """select submission_id, rows_total from ops.submission_in_force
           where source = %s and dataset = %s and period = %s
           order by submission_id desc limit 1""",
        (source, dataset, period),
    ).fetchone()
    return (row[0], row[1]) if row else None


def load_context(conn: psycopg.Connection, source: str, dataset: str, period: str) -> PackageContext:
    ctx = PackageContext(
        own_district=source if source in DISTRICTS else None,
        code_patterns=tuple(p for p in reference.code_patterns() if p.source == source and p.dataset == dataset),
    )
    previous = _current_submission(conn, source, dataset, add_months(period, -1))
    if previous:
        ctx.previous_rows = previous[1]
    if dataset == "project_ledger" and previous:
        ctx.previous_projects = dict(
            conn.execute(
                "select project_code, project_name from raw.project_ledger where submission_id = %s and project_code"
                " is not null",
                (previous[0],),
            ).fetchall()
        )
    if dataset == "project_ledger" and ctx.own_district:
        ctx.other_districts = {}
        for code, other, name in conn.execute(OTHER_DISTRICTS_CODES, {"period": period, "source": source}):
            ctx.other_districts.setdefault(code, (other, name))
    if source not in DISTRICTS and "project_code" in contract(dataset).column_names:
        by_code: dict[str, list[str]] = {}
        for code, district, _ in conn.execute(OTHER_DISTRICTS_CODES, {"period": period, "source": source}):
            if district not in by_code.setdefault(code, []):
                by_code[code].append(district)
        ctx.shared_codes = {code: tuple(d) for code, d in by_code.items() if len(d) > 1}
    if dataset in DEPENDS_ON_LEDGER:
        ledger = _current_submission(conn, source, "project_ledger", period)
        if ledger:
            ctx.ledger = {
                code: (total or 0, unresettled or 0)
                for code, total, unresettled in conn.execute(
                    """select project_code, households_total, households_unresettled from raw.project_ledger
                       where submission_id = %s""",
                    (ledger[0],),
                )
            }
    references = contract(dataset).references
    if references:
        ctx.known = {}
        for ref in references:
            values = {r[0] for r in conn.execute(KNOWN_SETS[ref.known], {"period": period}) if r[0]}
            ctx.known[ref.known] = values or None
    if dataset == "supervision_items":
        ctx.member_units = {s.name_zh for s in reference.sources().values()}
    if dataset == "monthly_progress" and previous:
        ctx.previous_cumulative = dict(
            conn.execute(
                "select project_code, resettled_cumulative from raw.monthly_progress where submission_id = %s",
                (previous[0],),
            ).fetchall()
        )
    return ctx


def unavailable_references(dataset: str, ctx: PackageContext) -> list[str]:
    """The labels of the reference data a file could not be checked against (none accepted yet)."""
    return [
        KNOWN_SET_LABELS[ref.known]
        for ref in contract(dataset).references
        if ctx.known is not None and ctx.known.get(ref.known) is None
    ]


def add_context_columns(frame: pd.DataFrame, dataset: str, ctx: PackageContext) -> list[ProblemColumn]:
    """Add the context checks to the frame as problem columns; returns their descriptions."""
    problems: list[ProblemColumn] = []
    for ref in contract(dataset).references:
        known = (ctx.known or {}).get(ref.known)
        if known is None:
            continue
        values = frame[ref.column]
        unknown = values.notna() & ~values.isin(known)
        frame[f"_problem__ref_{ref.name}"] = [ref.message_zh if bad else None for bad in unknown]
        problems.append(ProblemColumn(f"ref_{ref.name}", ref.column, ref.severity, ref.name))
    if dataset == "project_ledger" and ctx.previous_projects is not None:
        problems.append(_renumbered(frame, ctx))
    if dataset == "project_ledger" and ctx.other_districts is not None:
        problems.append(_shared_codes(frame, ctx.other_districts))
    if ctx.shared_codes:
        problems.append(_ambiguous_codes(frame, ctx.shared_codes))
    if dataset == "household_roster" and ctx.ledger is not None:
        problems.append(_roster_counts(frame, ctx.ledger))
    if dataset == "monthly_progress" and ctx.previous_cumulative is not None:
        previous = frame["project_code"].map(ctx.previous_cumulative)
        current = frame["resettled_cumulative"]
        falls = previous.notna() & current.notna() & (current < previous)
        frame["_problem__ctx_cumulative"] = [
            f"累计安置户数比上月（{int(p)}户）减少，累计数不应下降" if bad else None
            for bad, p in zip(falls, previous, strict=True)
        ]
        problems.append(ProblemColumn("ctx_cumulative", "resettled_cumulative", "error", "cumulative_never_falls"))
    if dataset == "supervision_items" and ctx.member_units is not None:
        frame["_problem__ctx_member_unit"] = [
            f"责任单位“{unit}”不是报送单位名称（如 市公安局、泰山区），请按报送单位名称填写"
            if isinstance(unit, str) and unit and unit not in ctx.member_units
            else None
            for unit in frame["responsible_unit"]
        ]
        problems.append(ProblemColumn("ctx_member_unit", "responsible_unit", "error", "unit_is_a_source"))
    return problems


def _roster_counts(frame: pd.DataFrame, ledger: dict[str, tuple[int, int]]) -> ProblemColumn:
    """Flag the first roster row of each project whose household counts disagree with the ledger."""
    messages: list[str | None] = [None] * len(frame)
    codes = frame["project_code"]
    unresettled = frame["resettled"].eq(False).fillna(False)
    first_rows = codes.reset_index(drop=True).drop_duplicates()
    counts = pd.DataFrame({"code": codes.values, "unresettled": unresettled.values}).groupby("code")
    totals, open_counts = counts.size(), counts["unresettled"].sum()
    for position, code in first_rows.items():
        if code not in ledger or pd.isna(code):
            continue
        ledger_total, ledger_open = ledger[code]
        roster_total, roster_open = int(totals[code]), int(open_counts[code])
        if (roster_total, roster_open) != (ledger_total, ledger_open):
            messages[position] = (
                f"项目{code}：居民台账共{roster_total}户、未安置{roster_open}户，"
                f"项目台账填报涉及{ledger_total}户、未安置{ledger_open}户，请核对两表"
            )
    frame["_problem__ctx_ledger_counts"] = messages
    return ProblemColumn("ctx_ledger_counts", "project_code", "warning", "ledger_counts_agree")


def _shared_codes(frame: pd.DataFrame, others: dict[str, tuple[str, str]]) -> ProblemColumn:
    """Flag each ledger row whose project code another district's ledger in force already uses, naming the
    district and its project: the warehouse and the departments know a project by its code alone, so the
    two could not be told apart (an error: the ledger waits until the office settles the codes)."""
    districts = reference.districts()
    messages: list[str | None] = []
    for code in frame["project_code"]:
        other = others.get(code) if isinstance(code, str) else None
        if other is None:
            messages.append(None)
            continue
        district = districts.get(other[0])
        who = district.name_zh if district else other[0]
        messages.append(
            f"项目编号{code}已被{who}的项目台账使用（{who}项目“{other[1]}”）：各区的项目编号须互不相同，"
            "否则平台和法院、公安等部门按编号报送的信息无法区分属于哪个区的项目。"
            "请与领导小组办公室确认本区该项目的编号（如加本区简称作前缀）后重新报送"
        )
    frame["_problem__ctx_code_shared"] = messages
    return ProblemColumn("ctx_code_shared", "project_code", "error", "code_shared_across_districts")


def _ambiguous_codes(frame: pd.DataFrame, shared: dict[str, tuple[str, ...]]) -> ProblemColumn:
    """Flag each row of a department's file naming a project code that several districts' ledgers use."""
    districts = reference.districts()
    messages: list[str | None] = []
    for code in frame["project_code"]:
        where = shared.get(code) if isinstance(code, str) else None
        names = "和".join(districts[d].name_zh if d in districts else d for d in where or ())
        messages.append(
            f"项目编号{code}在{names}的项目台账中都有（各为不同项目），无法确定所指的是哪个区的项目，"
            "请与领导小组办公室核实后在备注中注明所属区"
            if where
            else None
        )
    frame["_problem__ctx_code_ambiguous"] = messages
    return ProblemColumn("ctx_code_ambiguous", "project_code", "warning", "code_shared_across_districts")


def _name_key(name) -> str:
    """A project name compared loosely: full-width forms folded, no spaces."""
    return "" if name is None or pd.isna(name) else "".join(unicodedata.normalize("NFKC", str(name)).split())


def _renumbered(frame: pd.DataFrame, ctx: PackageContext) -> ProblemColumn:
    """Flag a new code that carries the name of a project whose code disappeared since last month, naming
    both codes; the other disappeared codes stay in `ctx.carried_codes` for the file-level check."""
    previous = ctx.previous_projects or {}
    codes = frame["project_code"]
    present = set(codes.dropna())
    gone = {code: name for code, name in previous.items() if code not in present}
    by_name: dict[str, str] = {}
    for code, name in gone.items():
        by_name.setdefault(_name_key(name), code)
    messages: list[str | None] = [None] * len(frame)
    renamed: set[str] = set()
    for position, (code, name) in enumerate(zip(codes, frame["project_name"], strict=True)):
        if code is None or pd.isna(code) or code in previous:
            continue
        old = by_name.get(_name_key(name))
        if old and old not in renamed and _name_key(name):
            renamed.add(old)
            messages[position] = (
                f"项目“{name}”上月编号为{old}，本月为{code}：同一项目的编号应每月保持不变，"
                f"请改回{old}；如确需改号，请在备注中说明"
            )
    frame["_problem__ctx_code_renumbered"] = messages
    ctx.carried_codes = {code: name for code, name in previous.items() if code not in renamed}
    ctx.missing_codes = {code: name for code, name in ctx.carried_codes.items() if code not in present}
    return ProblemColumn("ctx_code_renumbered", "project_code", "warning", "code_renumbered")
