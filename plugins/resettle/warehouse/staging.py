"""dbt sources and staging models derived from the dataset contracts, so dbt's documentation and the
intake can never describe a column differently.

`resettle staging` writes, per source, `models/staging/<source>/_<source>__sources.yml`,
`_<source>__models.yml` and one `stg_<source>__<entity>.sql` per dataset, and the `source_datasets` seed
(what each source must send monthly); a test keeps the committed files equal to what this module renders.
Source freshness is by period: a raw table is as fresh as the due time of the latest month it holds. The
SQL keeps, of all accepted submissions, the one in force for each source, dataset and period.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from resettle.domain import reference
from resettle.domain.column_types import column_type
from resettle.domain.config import DISTRICTS, OFFICE, SOURCES, settings
from resettle.domain.contracts import (
    DEPARTMENT_DATASETS,
    DISTRICT_DATASETS,
    OFFICE_DATASETS,
    Contract,
    contract,
    datasets_for,
)
from resettle.warehouse.schema import DERIVED_COLUMNS, sql_in_list, stored_columns

ENTITY = {
    "project_ledger": "project_ledgers",
    "household_roster": "household_rosters",
    "monthly_progress": "monthly_progress",
    "construction_status": "construction_statuses",
    "housing_units": "housing_units",
    "court_cases": "court_cases",
    "police_cases": "police_cases",
    "tax_status": "tax_statuses",
    "property_certificates": "property_certificates",
    "petition_cases": "petition_cases",
    "repayment_agreements": "repayment_agreements",
    "review_decisions": "review_decisions",
    "supervision_items": "supervision_items",
}
DERIVED_DOCS = {
    "id_pseudonym": "身份证号的加密假名（HMAC-SHA256，密钥不入库）：跨月、跨数据关联同一户，无法还原身份证号。"
}
GROUPS = {"district": DISTRICT_DATASETS, **DEPARTMENT_DATASETS, OFFICE: OFFICE_DATASETS}
HEADER = "# Rendered from expectations/contracts by `resettle staging`; edit the contract, not this file.\n"
SQL_HEADER = "-- Rendered from expectations/contracts by `resettle staging`; edit the contract, not this file.\n"
LINEAGE = [
    ("submission_id", "{{ doc('submission_id') }}"),
    (
        "source_row",
        "Row of the submitted file (Excel row or CSV line, title rows counted): with submission_id, "
        "the cell behind any figure.",
    ),
    ("period", "{{ doc('period') }}"),
    ("submitted_by", "The source that sent the file (district or department)."),
]


def model_name(source: str, dataset: str) -> str:
    return f"stg_{source}__{ENTITY[dataset]}"


def _description(c: Contract, name: str) -> str:
    col = c.column(name)
    text = f"{col.header_zh} — {col.description_zh}".strip(" —")
    return text + ("（个人信息，仅限暂存层，不进入数据集市）" if col.personal else "")


def render_sql(source: str, dataset: str) -> str:
    names = [*stored_columns(dataset), *DERIVED_COLUMNS.get(dataset, ())]
    columns = "\n".join(f"        source.{name}," for name in names).rstrip(",")
    return f"""{SQL_HEADER}with

source as (select * from {{{{ source('{source}', '{dataset}') }}}}),

renamed as (
    select
        source.submission_id,
        source.source_row,
        source.period,
        source.source as submitted_by,
{columns}
    from source
    where {{{{ in_force('source.submission_id') }}}}
)

select * from renamed
"""


def render_sources(source: str) -> dict:
    tables = []
    for dataset in GROUPS[source]:
        c = contract(dataset)
        tables.append(
            {
                "name": dataset,
                "description": f"{c.title_zh} — every accepted submission's rows, loaded by the intake with lineage.",
                # No dbt test on submission_id: the table declares it NOT NULL (schema.raw_ddl), so a test
                # could never fail and would only add a node to every build that reads the table.
                "columns": [
                    {"name": "submission_id", "description": "{{ doc('submission_id') }}"},
                    *({"name": name, "description": _description(c, name)} for name in stored_columns(dataset)),
                ],
            }
        )
    return {
        "version": 2,
        "sources": [
            {
                "name": source,
                "schema": "raw",
                "tables": tables,
                "description": "Rows the intake published to `raw` after validation.",
                "loaded_at_field": period_due_at(_due_day(source)),
                "config": {"freshness": FRESHNESS},
            }
        ],
    }


def _due_day(source: str) -> int:
    """The due day of a dbt source: its sender's, or the earliest of the districts' for `district`."""
    senders = DISTRICTS if source == "district" else (source,)
    return min(reference.sources()[s].due_day for s in senders)


def period_due_at(due_day: int) -> str:
    """A row's freshness is its reporting month's due time (the source's due day in the `sources` seed), so
    `dbt source freshness` asks "is the latest month in", not "was anything loaded lately" (a resubmission of
    an old month does not make a table fresh)."""
    return f"(period || '-{due_day:02d} 23:59:59+08')::timestamptz"


FRESHNESS = {"warn_after": {"count": 35, "period": "day"}, "error_after": {"count": 65, "period": "day"}}
"""Warn once the month after the latest one held is due (and a few days pass); error a month later."""


def render_source_datasets() -> str:
    lines = ["source,dataset,dataset_title_zh"] + [
        f"{source},{dataset},{contract(dataset).title_zh}" for source in SOURCES for dataset in datasets_for(source)
    ]
    return "\n".join(lines) + "\n"


def _column_tests(c: Contract, name: str) -> list:
    """A staging column's own tests: those joining a seed of its values. Its other rules are the model's."""
    return column_type(c.column(name).type).dbt_tests(c.column(name))


def _column_rules(c: Contract, name: str) -> dict[str, str]:
    """A staging column's rules in its model's `row_rules` test: present when the contract requires it (a key
    column is the `primary_key` test's), and one of the contract's values when it lists them."""
    col, kind = c.column(name), column_type(c.column(name).type)
    rules = {}
    if col.not_null and name not in c.key:
        rules[f"{name}_is_present"] = f"{name} is not null"
    values = None if kind.dbt_relationship else kind.allowed_values(col)  # a seed's values are a relationship
    if values is not None:
        listed = sql_in_list(values) if kind.sql_type == "text" else ", ".join(str(v) for v in values)
        rules[f"{name}_is_allowed"] = f"{name} in ({listed})"
    return rules


def render_models(source: str) -> dict:
    models = []
    for dataset in GROUPS[source]:
        c = contract(dataset)
        # submission_id has no test: the raw table declares it NOT NULL, and the view keeps only rows whose
        # submission is in force in stg_ops__submissions (macros/in_force.sql), so neither a not_null nor a
        # relationship to that model could fail; each would be one more node on every month's build.
        columns = [{"name": name, "description": text} for name, text in LINEAGE]
        rules: dict[str, str] = {}
        for name in stored_columns(dataset):
            entry: dict = {"name": name, "description": _description(c, name)}
            tests = _column_tests(c, name)
            if tests:
                entry["data_tests"] = tests
            rules |= _column_rules(c, name)
            columns.append(entry)
        columns += [{"name": name, "description": DERIVED_DOCS[name]} for name in DERIVED_COLUMNS.get(dataset, ())]
        model = model_name(source, dataset)
        # Every rule of the contract's columns in one read of the view (tests/generic/row_rules.sql).
        holds_its_contract = [{"row_rules": {"name": f"{model}_holds_its_contract", "arguments": {"rules": rules}}}]
        models.append(
            {
                "name": model,
                "description": f"{c.title_zh} as in force: the rows of the latest accepted submission of each "
                f"source and period, named after the glossary.",
                "data_tests": [
                    {"primary_key": {"arguments": {"columns": ["period", *c.key]}}},
                    *(holds_its_contract if rules else []),
                ],
                "columns": columns,
            }
        )
    return {"version": 2, "models": models}


def rendered() -> dict[Path, str]:
    """Every file this module owns, relative to the dbt project, with its content."""
    files: dict[Path, str] = {}
    for source, datasets in GROUPS.items():
        folder = Path("models") / "staging" / source
        dump = {"allow_unicode": True, "sort_keys": False, "width": 120}
        files[folder / f"_{source}__sources.yml"] = HEADER + yaml.safe_dump(render_sources(source), **dump)
        files[folder / f"_{source}__models.yml"] = HEADER + yaml.safe_dump(render_models(source), **dump)
        for dataset in datasets:
            files[folder / f"{model_name(source, dataset)}.sql"] = render_sql(source, dataset)
    files[Path("seeds") / "source_datasets.csv"] = render_source_datasets()
    return files


def write() -> list[Path]:
    root = settings().dbt_project_dir
    written = []
    for relative, text in rendered().items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
