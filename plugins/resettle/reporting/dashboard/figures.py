"""The headline figures of a month and their change from the month before: one computation, read by the
dashboard's 总览 (as metric deltas) and by the bulletin (its first table and charts).

Figures are sums over the rows of `marts.district_monthly_progress` the reader may see (a district user sees
its own district's), so the dashboard and the bulletin agree wherever they show the same scope.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from resettle.domain.periods import add_months, zh_month


@dataclass(frozen=True)
class Headline:
    """One headline figure: this month, last month and the change (None where a month has no data)."""

    key: str
    label_zh: str
    current: float | None
    previous: float | None
    better: str
    """`up`, `down` (fewer is better) or `neither`: how the change is coloured."""
    percent: bool = False

    @property
    def change(self) -> float | None:
        if self.current is None or self.previous is None:
            return None
        return round(float(self.current) - float(self.previous), 1)

    def shown(self, value: float | None = None) -> str:
        value = self.current if value is None else value
        if value is None:
            return "—"
        return f"{float(value):.1f}%" if self.percent else f"{int(value):,}"

    def change_text(self) -> str | None:
        """`+12`, `-3`, `+0.8 个百分点`; None when last month is unknown."""
        change = self.change
        if change is None:
            return None
        if self.percent:
            return f"{change:+.1f} 个百分点"
        return f"{int(change):+,}"


FIGURES = (
    ("projects", "项目数", "down", False),
    ("households_total", "涉及户数", "neither", False),
    ("households_unresettled", "未安置户数", "down", False),
    ("households_resettled", "已安置户数", "up", False),
    ("percent_resettled", "安置完成率", "up", True),
    ("priority_projects", "重点项目数", "down", False),
    ("flagged_projects", "存在一致性问题的项目数", "down", False),
)
"""(column, label, which way is better, is a percentage) in the order they are shown."""

COUNT_COLUMNS = (
    "projects",
    "households_total",
    "households_unresettled",
    "households_resettled",
    "priority_projects",
    "flagged_projects",
)


def totals(rows: pd.DataFrame) -> dict[str, float | None]:
    """Sums over districts of one month, and the completion rate of the sums (never a mean of rates)."""
    if rows.empty:
        return dict.fromkeys((key for key, *_ in FIGURES))
    out: dict[str, float | None] = {c: float(pd.to_numeric(rows[c]).sum()) for c in COUNT_COLUMNS if c in rows}
    total = out.get("households_total") or 0
    out["percent_resettled"] = round(100 * (out.get("households_resettled") or 0) / total, 1) if total else 0.0
    return out


def headline(progress: pd.DataFrame, period: str) -> list[Headline]:
    """The month's headline figures with last month's, from district_monthly_progress rows (any months)."""
    now = totals(progress[progress.period == period])
    then = totals(progress[progress.period == add_months(period, -1)])
    return [
        Headline(key, label, now.get(key), then.get(key), better, percent) for key, label, better, percent in FIGURES
    ]


def trend(progress: pd.DataFrame) -> pd.DataFrame:
    """Per month: the sums and the completion rate, with the month as a reader writes it (`2026年9月`)."""
    rows = [
        {"period": period, "month_zh": zh_month(period), **totals(group)}
        for period, group in progress.groupby("period", sort=True)
    ]
    return pd.DataFrame(rows, columns=["period", "month_zh", *(key for key, *_ in FIGURES)])
