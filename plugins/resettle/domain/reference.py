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


@dataclass(frozen=True)
class Source:
    source: str
    name_zh: str
    source_kind: str
    due_day: int


def _rows(seed: str) -> list[dict[str, str]]:
    path = settings().dbt_project_dir / "seeds" / f"{seed}.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@cache
def districts() -> dict[str, District]:
    return {
        r["district"]: District(r["district"], r["district_name_zh"], r["project_code_prefix"], r["region_code"])
        for r in _rows("districts")
    }


@cache
def sources() -> dict[str, Source]:
    return {r["source"]: Source(r["source"], r["source_name_zh"], r["source_kind"], int(r["due_day"]))
            for r in _rows("sources")}


def district_by_name_zh(name_zh: str) -> District | None:
    return next((d for d in districts().values() if d.name_zh == name_zh.strip()), None)
