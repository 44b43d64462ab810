"""The committed suites in expectations/suites are exactly what the contracts build: they cannot drift."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from resettle.domain.contracts import DATASETS, contract
from resettle.intake.suite import suite_document

SUITES = Path(__file__).resolve().parents[2] / "expectations" / "suites"


@pytest.mark.parametrize("dataset", DATASETS)
def test_committed_suite_matches_the_contract(dataset):
    committed = json.loads((SUITES / f"{dataset}.json").read_text(encoding="utf-8"))
    assert committed == suite_document(dataset), f"run `resettle suites` and commit expectations/suites/{dataset}.json"


@pytest.mark.parametrize("dataset", DATASETS)
def test_every_expectation_says_its_severity_and_what_a_clerk_reads(dataset):
    document = suite_document(dataset)
    columns = set(contract(dataset).column_names)
    for expectation in document["expectations"]:
        meta = expectation["meta"]
        assert meta["severity"] in ("error", "warning")
        assert meta["column"] is None or meta["column"] in columns
        if not expectation["type"].endswith("to_be_null"):
            assert meta["message_zh"], expectation


def test_every_required_column_is_checked_for_emptiness():
    for dataset in DATASETS:
        checked = {
            e["kwargs"]["column"]
            for e in suite_document(dataset)["expectations"]
            if e["type"] == "expect_column_values_to_not_be_null"
        }
        assert checked == {c.name for c in contract(dataset).columns if c.not_null}


def test_committed_staging_models_match_the_contracts():
    from resettle.domain.config import settings
    from resettle.warehouse import staging

    root = settings().dbt_project_dir
    for relative, text in staging.rendered().items():
        assert (root / relative).read_text(encoding="utf-8") == text, f"run `resettle staging` ({relative})"


def test_the_marts_hold_the_roster_columns_they_copy_to_the_contract_values():
    """A mart that copies a roster column unchanged tests every month it rebuilds against the same values as
    the staging model (its `<column>_is_allowed` rule), rendered from the contract, not kept by hand."""
    import yaml

    from resettle.domain.config import settings
    from resettle.warehouse.staging import _column_rules

    roster = contract("household_roster")
    checked = 0
    for path in (settings().dbt_project_dir / "models" / "marts").glob("*.yml"):
        for model in yaml.safe_load(path.read_text(encoding="utf-8")).get("models", []):
            for test in model.get("data_tests", []):
                row_rules = test.get("row_rules", {}) if isinstance(test, dict) else {}
                for name, rule in row_rules.get("arguments", {}).get("rules", {}).items():
                    column = name.removesuffix("_is_allowed")
                    if name.endswith("_is_allowed") and column in roster.column_names:
                        assert rule == _column_rules(roster, column)[name], f"{path.name}: {name}"
                        checked += 1
    assert checked >= 2
