"""One registry of column types, asked by every layer; one dataset per file name.

The registry decides the values a column may hold, and both the GX suite and the dbt staging tests hold the
column to exactly those; a file name detects at most one dataset: no keyword is claimed by two contracts,
and each keyword and each dataset's title detect their own dataset."""

from __future__ import annotations

import itertools

import great_expectations.expectations as gxe
import pytest

from resettle.domain.column_types import COLUMN_TYPES, column_type
from resettle.domain.contracts import DATASETS, contract
from resettle.intake import normalize
from resettle.intake.parse import detect_dataset, header_key
from resettle.intake.suite import _column_expectations
from resettle.warehouse.staging import _column_rules, _column_tests


def test_no_detection_keyword_belongs_to_two_contracts():
    owners: dict[str, set[str]] = {}
    for dataset in DATASETS:
        for keyword in contract(dataset).file_keywords:
            owners.setdefault(header_key(keyword), set()).add(dataset)
    shared = {k: sorted(v) for k, v in owners.items() if len(v) > 1}
    assert not shared, shared


@pytest.mark.parametrize("dataset", DATASETS)
def test_each_keyword_and_the_title_detect_only_their_own_dataset(dataset):
    c = contract(dataset)
    for name in (*c.file_keywords, c.title_zh):
        assert detect_dataset(f"{name}202610.xlsx") == dataset, name


def test_a_keyword_inside_another_keyword_loses_to_the_longer_one():
    """涉案企业 (police) contains no court keyword in full, but 涉案企业信息 must not read as 涉案信息."""
    for a, b in itertools.permutations(DATASETS, 2):
        for keyword in contract(a).file_keywords:
            inner = [k for k in contract(b).file_keywords if header_key(k) in header_key(keyword)]
            if inner:
                assert detect_dataset(f"{keyword}.csv") == a, (keyword, inner)


def test_every_type_has_a_converter_and_a_frame_dtype():
    assert set(normalize.CONVERTERS) == set(COLUMN_TYPES)
    assert set(normalize.VECTOR_CONVERTERS) == {name for name, t in COLUMN_TYPES.items() if t.vectorized}
    assert set(normalize.IDENTIFIER_PROBLEMS) == {name for name, t in COLUMN_TYPES.items() if t.identifier_check}
    assert {t.pandas_dtype for t in COLUMN_TYPES.values()} <= {"str", "Int64", "Float64", "boolean", "datetime"}


@pytest.mark.parametrize("dataset", DATASETS)
def test_the_suite_and_the_staging_tests_hold_a_column_to_the_same_values(dataset):
    c = contract(dataset)
    in_set = {
        e.column: list(e.value_set) for e in _column_expectations(c) if isinstance(e, gxe.ExpectColumnValuesToBeInSet)
    }
    for col in c.columns:
        kind = column_type(col.type)
        values = kind.allowed_values(col)
        assert in_set.get(col.name) == (None if values is None else list(values)), col.name
        tests = _column_tests(c, col.name)
        rule = _column_rules(c, col.name).get(f"{col.name}_is_allowed")
        if kind.dbt_relationship:
            seed, field = kind.dbt_relationship
            assert tests == [{"relationships": {"arguments": {"to": f"ref('{seed}')", "field": field}}}]
            assert rule is None
        elif values is not None:
            quoted = [str(v) if kind.sql_type != "text" else f"'{v}'" for v in values]
            assert tests == []
            assert rule == f"{col.name} in ({', '.join(quoted)})"
        else:
            assert tests == []
            assert rule is None


def test_a_contract_column_takes_its_allowed_values_from_a_vocabulary():
    from resettle.domain.contracts import _column
    from resettle.domain.vocabulary import resettlement_choices

    assert contract("household_roster").column("resettlement_choice").allowed == tuple(resettlement_choices())
    assert contract("petition_cases").column("level").allowed == ("区", "市", "省", "进京")
    base = {"name": "x", "header_zh": "某列", "type": "enum"}
    with pytest.raises(ValueError, match="allowed_from"):
        _column({**base, "allowed_from": "no_such_vocabulary"})
    with pytest.raises(ValueError, match="allowed_from"):
        _column({**base, "allowed_from": "petition_levels", "allowed": ["无"]})
