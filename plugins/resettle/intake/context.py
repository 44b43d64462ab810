"""Checks that need more than the file itself: the rest of the district's package and last month.

A household roster or monthly progress names projects that must be in the same district's project ledger
for the month; the roster's unresettled households should add up to the ledger's figure; cumulative
resettlement never falls from one month to the next; and a file whose row count swings far from last
month's is worth a second look. The facts are read from the warehouse (what was accepted) and handed to
the suite as plain values, so the suite stays a pure function of its inputs.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import psycopg

from resettle.domain.config import DISTRICTS
from resettle.domain.contracts import OFFICE_DATASETS
from resettle.domain.periods import add_months

VOLUME_SWING = 0.3
VOLUME_MIN_ROWS = 20
DEPENDS_ON_LEDGER = ("household_roster", "monthly_progress")
AFTER_LEDGERS = (*DEPENDS_ON_LEDGER, *OFFICE_DATASETS)
"""Datasets read after every ledger of the month is in: they name projects of any district."""


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
    known_projects: set[str] | None = None
    """Project codes of every district's accepted ledgers up to the month (for the office's records)."""
    member_units: set[str] | None = None
    """Names of the units that may be given a task: the sources seed (for supervision items)."""


def _current_submission(conn: psycopg.Connection, source: str, dataset: str, period: str) -> tuple[int, int] | None:
    row = conn.execute(
        """select submission_id, rows_total from ops.submission
           where source = %s and dataset = %s and period = %s and status in ('accepted', 'accepted_with_warnings')
           order by submission_id desc limit 1""",
        (source, dataset, period),
    ).fetchone()
    return (row[0], row[1]) if row else None


def load_context(conn: psycopg.Connection, source: str, dataset: str, period: str) -> PackageContext:
    ctx = PackageContext(own_district=source if source in DISTRICTS else None)
    previous = _current_submission(conn, source, dataset, add_months(period, -1))
    if previous:
        ctx.previous_rows = previous[1]
    if dataset in DEPENDS_ON_LEDGER:
        ledger = _current_submission(conn, source, "project_ledger", period)
        if ledger:
            ctx.ledger = {
                code: (total or 0, unresettled or 0)
                for code, total, unresettled in conn.execute(
                    """select project_code, households_total, households_unresettled from raw.project_ledger
                       where submission_id = %s""", (ledger[0],))
            }
    if dataset in OFFICE_DATASETS:
        from resettle.domain import reference

        ctx.known_projects = {r[0] for r in conn.execute(
            """select distinct l.project_code from raw.project_ledger l
               join ops.submission s on s.submission_id = l.submission_id
               where s.status in ('accepted', 'accepted_with_warnings') and s.period <= %s""", (period,))}
        ctx.member_units = {s.name_zh for s in reference.sources().values()}
    if dataset == "monthly_progress" and previous:
        ctx.previous_cumulative = dict(conn.execute(
            "select project_code, resettled_cumulative from raw.monthly_progress where submission_id = %s",
            (previous[0],)).fetchall())
    return ctx


def add_context_columns(frame: pd.DataFrame, dataset: str, ctx: PackageContext) -> list[ProblemColumn]:
    """Add the context checks to the frame as problem columns; returns their descriptions."""
    problems: list[ProblemColumn] = []
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
    if dataset in OFFICE_DATASETS and ctx.known_projects is not None:
        codes = frame["project_code"]
        frame["_problem__ctx_known_project"] = [
            f"项目编号“{code}”不在任何区已报送的项目台账中，请核对" if isinstance(code, str) and code
            and code not in ctx.known_projects else None for code in codes]
        problems.append(ProblemColumn("ctx_known_project", "project_code", "error", "project_in_ledgers"))
    if dataset == "supervision_items" and ctx.member_units is not None:
        frame["_problem__ctx_member_unit"] = [
            f"责任单位“{unit}”不是报送单位名称（如 市公安局、泰山区），请按报送单位名称填写"
            if isinstance(unit, str) and unit and unit not in ctx.member_units else None
            for unit in frame["responsible_unit"]]
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
