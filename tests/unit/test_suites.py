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
