"""Reference data shared with dbt: districts and sources live in dbt seeds, read here too.

Keeping them as data means a renamed district is a one-line change that reaches files, checks and marts.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache

from resettle.domain.config import settings


@dataclass(frozen=True)
class District:
    district: str
    name_zh: str
    project_code_prefix: str
    region_code: str
    tile_row: int = 0
    tile_col: int = 0
    """Where the district's tile sits in the district map (a grid in the districts' geographic arrangement)."""


@dataclass(frozen=True)
class Source:
    source: str
    name_zh: str
    source_kind: str
    due_day: int


def seed_rows(seed: str) -> list[dict[str, str]]:
    """The rows of a dbt seed (`dbt_project/seeds/<seed>.csv`) as text."""
    path = settings().dbt_project_dir / "seeds" / f"{seed}.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@cache
def districts() -> dict[str, District]:
    return {
        r["district"]: District(
            r["district"],
            r["district_name_zh"],
            r["project_code_prefix"],
            r["region_code"],
            int(r.get("tile_row") or 0),
            int(r.get("tile_col") or 0),
        )
        for r in seed_rows("districts")
    }


@cache
def sources() -> dict[str, Source]:
    return {
        r["source"]: Source(r["source"], r["source_name_zh"], r["source_kind"], int(r["due_day"]))
        for r in seed_rows("sources")
    }


def first_due_day() -> int:
    """The earliest due day of any source: from that day on, a month counts as due."""
    return min(s.due_day for s in sources().values())


def district_by_name_zh(name_zh: str) -> District | None:
    return next((d for d in districts().values() if d.name_zh == name_zh.strip()), None)


@dataclass(frozen=True)
class CodePattern:
    """The form the office expects one source's codes in one column to take (a warning, never a rejection)."""

    source: str
    dataset: str
    column: str
    pattern: str
    example: str


@cache
def code_patterns() -> tuple[CodePattern, ...]:
    """The `code_patterns` seed (may be empty)."""
    return tuple(
        CodePattern(r["source"], r["dataset"], r["column_name"], r["pattern"], r.get("example") or "")
        for r in seed_rows("code_patterns")
        if r.get("pattern")
    )


@cache
def disposal_categories() -> dict[int, str]:
    """The disposal categories by number: {1: "自愿放弃", ...} (the `disposal_categories` seed)."""
    return {int(r["disposal_category"]): r["disposal_category_zh"] for r in seed_rows("disposal_categories")}
