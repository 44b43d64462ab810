"""Dataset contracts: each incoming dataset described once, in `expectations/contracts/<dataset>.yml`.

Parser header aliases, the validation suite, receipt wording, templates and the generator's file headers
are all derived from these descriptions so that they cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

from resettle.domain.column_types import COLUMN_TYPES
from resettle.domain.config import DEPARTMENTS, DISTRICTS, OFFICE, settings
from resettle.domain.vocabulary import VOCABULARIES

DISTRICT_DATASETS = ("project_ledger", "household_roster", "monthly_progress")
DEPARTMENT_DATASETS = {
    "housing_bureau": ("construction_status",),
    "housing_center": ("housing_units", "repayment_agreements"),
    "court": ("court_cases",),
    "police": ("police_cases",),
    "tax": ("tax_status",),
    "registration": ("property_certificates",),
    "petition": ("petition_cases",),
}
OFFICE_DATASETS = ("review_decisions", "supervision_items")
"""The leading-group office's records of joint reviews (联审会签) and supervised tasks (督办)."""
DATASETS = DISTRICT_DATASETS + tuple(d for datasets in DEPARTMENT_DATASETS.values() for d in datasets) + OFFICE_DATASETS

DEPENDS_ON_LEDGER = ("household_roster", "monthly_progress")
"""Datasets checked against the same district's project ledger of the month."""
DEPENDS_ON_OTHERS = ("property_certificates", "petition_cases", "repayment_agreements", *OFFICE_DATASETS)
"""Feeds checked against what other sources sent (units allocated, projects in every district's ledgers): they
are ingested in the second wave, with the rosters."""
WAVES = ("independent", "after_ledger")
"""Ingestion order: ledgers and department feeds first, then what is checked against a ledger."""


@dataclass(frozen=True)
class Column:
    name: str
    """The column's name in raw, staging and marts alike."""
    header_zh: str
    type: str
    """A column type of `column_types`: how a cell is parsed, typed and checked."""
    required: bool = False
    """A file without this header is rejected."""
    not_null: bool = False
    """A row with this cell empty is an error."""
    allowed: tuple[str, ...] = ()
    pattern: str | None = None
    min: float | str | None = None
    max: float | str | None = None
    personal: bool = False
    description_zh: str = ""
    aliases: tuple[str, ...] = ()

    @property
    def headers(self) -> tuple[str, ...]:
        """Every header a file may use for this column: Chinese, English, and listed aliases."""
        return (self.header_zh, self.name, *self.aliases)

    @property
    def is_percent(self) -> bool:
        """A number in per cent (`形象进度(%)`): its header says so. A cell shown as `35%` (Excel stores 0.35
        with a percent format) is read as 35 here, and refused in any other number column."""
        return self.type == "decimal" and "%" in self.header_zh.replace("％", "%")


@dataclass(frozen=True, kw_only=True)
class Check:
    """A check a contract names beyond its columns' types: what a failing row is told, at the cell a clerk
    must correct (`column`), as an error (the file is rejected) or a warning."""

    name: str
    column: str
    message_zh: str
    severity: str = "error"


@dataclass(frozen=True, kw_only=True)
class Rule(Check):
    """A check across columns of one row."""

    check: str


@dataclass(frozen=True, kw_only=True)
class Reference(Check):
    """A column whose values must be among what the warehouse already knows (`known` names the set, see
    resettle.intake.context.KNOWN_SETS): a unit the service center allocated, a project in a ledger."""

    known: str


@dataclass(frozen=True)
class Contract:
    dataset: str
    title_zh: str
    source_kind: str
    file_keywords: tuple[str, ...]
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    rules: tuple[Rule, ...] = field(default_factory=tuple)
    references: tuple[Reference, ...] = field(default_factory=tuple)

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"{self.dataset} has no column {name!r}")

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


def _column(raw: dict) -> Column:
    if raw["type"] not in COLUMN_TYPES:
        raise ValueError(f"column {raw['name']}: unknown type {raw['type']!r}")
    raw = dict(raw)
    vocabulary = raw.pop("allowed_from", None)
    if vocabulary is not None:
        if vocabulary not in VOCABULARIES or raw.get("allowed"):
            raise ValueError(f"column {raw['name']}: allowed_from names no vocabulary, or allowed is also given")
        raw["allowed"] = VOCABULARIES[vocabulary]()
    raw["allowed"] = tuple(str(v) for v in raw.get("allowed", ()))
    raw["aliases"] = tuple(raw.get("aliases", ()))
    return Column(**raw)


@cache
def _load(path: Path) -> Contract:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    c = Contract(
        dataset=raw["dataset"],
        title_zh=raw["title_zh"],
        source_kind=raw["source_kind"],
        file_keywords=tuple(raw.get("file_keywords", ())),
        key=tuple(raw["key"]),
        columns=tuple(_column(c) for c in raw["columns"]),
        rules=tuple(Rule(**r) for r in raw.get("rules") or ()),
        references=tuple(Reference(**r) for r in raw.get("references") or ()),
    )
    for blamed in (*(r.column for r in c.rules), *(r.column for r in c.references)):
        c.column(blamed)  # every rule blames a column the contract declares
    return c


def contract(dataset: str) -> Contract:
    """The contract of one dataset, read from the expectations folder."""
    path = settings().expectations_dir / "contracts" / f"{dataset}.yml"
    if not path.exists():
        raise KeyError(f"no contract for dataset {dataset!r} at {path}")
    return _load(path)


def datasets_for(source: str) -> tuple[str, ...]:
    """The datasets a source is expected to send each month."""
    if source in DISTRICTS:
        return DISTRICT_DATASETS
    if source in DEPARTMENTS:
        return DEPARTMENT_DATASETS[source]
    if source == OFFICE:
        return OFFICE_DATASETS
    raise KeyError(f"unknown source {source!r}")


def ingest_wave(dataset: str | None) -> str:
    """The wave a file is ingested in: datasets checked against the ledger or other sources' files, and files
    whose name does not settle their dataset, wait until every ledger of the month has been decided."""
    second = dataset is None or dataset in DEPENDS_ON_LEDGER or dataset in DEPENDS_ON_OTHERS
    return WAVES[1] if second else WAVES[0]
