"""Codes are the senders' keys: spelled consistently, never held to a form the contracts invent; an office
may still set a form per source, which only warns."""

from __future__ import annotations

import csv

import pytest

from resettle.domain import reference
from resettle.domain.contracts import DATASETS, contract
from resettle.intake.context import PackageContext
from resettle.intake.normalize import normalize, normalize_code
from resettle.intake.parse import parse
from resettle.intake.validate import validate


@pytest.mark.parametrize(
    ("written", "key"),
    [
        ("XY-2014-001", "XY-2014-001"),
        ("XY2014001", "XY2014001"),
        (" xy-２０１４-001\u3000", "XY-2014-001"),
        ("ＸＹ－２０１４－００１", "XY-2014-001"),
        ("  ", None),
        (None, None),
        ("南山-7", "南山-7"),
    ],
)
def test_a_code_is_trimmed_and_folded_but_keeps_its_form(written, key):
    assert normalize_code(written) == key


def test_no_contract_fixes_the_form_of_a_code():
    for dataset in DATASETS:
        for col in contract(dataset).columns:
            if col.name.endswith("_code"):
                assert col.type == "code" and col.pattern is None, (dataset, col.name)


def test_the_committed_code_patterns_seed_reads_and_sets_no_form():
    assert reference.code_patterns() == ()


def _ledger(tmp_path, codes: list[str]):
    from resettle.domain.identifiers import uscc_check_char

    c = contract("project_ledger")
    row = {
        "project_name": "红旗小区",
        "district": "南山区",
        "developer_name": "鹤岗市某房地产开发有限公司",
        "developer_uscc": "91230400MA1CD4E5F" + uscc_check_char("91230400MA1CD4E5F"),
        "project_nature": "市场开发",
        "disposal_category": "2",
        "contracted_return_date": "2018-12-31",
        "households_total": "2",
        "households_unresettled": "1",
    }
    path = tmp_path / "南山区项目台账2026年10月.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([col.header_zh for col in c.columns])
        for i, code in enumerate(codes):
            values = {**row, "project_code": code, "project_name": f"红旗小区{i}"}
            writer.writerow([values.get(col.name, "") for col in c.columns])
    return parse(path)


def test_an_office_pattern_warns_on_the_codes_that_do_not_match(tmp_path):
    parsed = _ledger(tmp_path, ["NS-2014-001", "NS2015002", "ns-2016-003"])
    frame, findings = normalize(parsed)
    pattern = reference.CodePattern("nanshan", "project_ledger", "project_code", r"NS-\d{4}-\d{3}", "NS-2014-001")
    result = validate(frame, parsed, findings, PackageContext(own_district="nanshan", code_patterns=(pattern,)))
    assert result.errors == []
    [warning] = result.warnings
    assert (warning.row, warning.column, warning.check, warning.value) == (3, "项目编号", "code_pattern", "NS2015002")
    assert "NS-2014-001" in warning.message_zh

    plain = validate(frame, parsed, findings, PackageContext(own_district="nanshan"))
    assert plain.findings == [], "without a pattern every form is accepted"


def test_the_same_code_written_twice_differently_is_a_duplicate(tmp_path):
    parsed = _ledger(tmp_path, ["NS-2014-001", " ns-2014-001 "])
    frame, findings = normalize(parsed)
    result = validate(frame, parsed, findings, PackageContext(own_district="nanshan"))
    assert [(f.row, f.check) for f in result.errors if f.check == "unique"] == [(2, "unique"), (3, "unique")]
