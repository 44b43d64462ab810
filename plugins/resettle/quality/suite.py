"""Build a Great Expectations suite from a dataset contract.

Each expectation carries, in its `meta`, the severity (error: the file is rejected whole; warning: it is
accepted and flagged), the column it speaks of and the sentence a clerk reads. Row-level checks computed
in Python (ID and USCC check characters, phone format, cross-column rules) arrive as `_problem__*` and
`_rule__*` columns, so the suite records them like any other expectation.
"""

from __future__ import annotations

import great_expectations as gx
import great_expectations.expectations as gxe

from resettle import reference
from resettle.contracts import Contract

_TYPE_NOUN = {"date": "日期", "integer": "数值", "decimal": "数值"}


def _meta(check: str, column: str | None, message_zh: str, severity: str = "error") -> dict:
    return {"severity": severity, "column": column, "message_zh": message_zh, "check": check}


def build_suite(c: Contract) -> gx.ExpectationSuite:
    suite = gx.ExpectationSuite(name=f"{c.dataset}")
    for col in c.columns:
        label = col.header_zh
        if col.not_null:
            suite.add_expectation(gxe.ExpectColumnValuesToNotBeNull(
                column=col.name, meta=_meta("not_null", col.name, f"“{label}”为必填项，不能为空")))
        if col.type == "enum" and col.allowed:
            allowed = "、".join(col.allowed)
            suite.add_expectation(gxe.ExpectColumnValuesToBeInSet(
                column=col.name, value_set=list(col.allowed),
                meta=_meta("allowed", col.name, f"“{label}”只能填写：{allowed}")))
        if col.type == "district":
            suite.add_expectation(gxe.ExpectColumnValuesToBeInSet(
                column=col.name, value_set=list(reference.districts()),
                meta=_meta("allowed", col.name, f"“{label}”不是本市的区")))
        if col.type == "disposal_category":
            suite.add_expectation(gxe.ExpectColumnValuesToBeInSet(
                column=col.name, value_set=[1, 2, 3, 4, 5],
                meta=_meta("allowed", col.name, f"“{label}”应为 1-5")))
        if col.pattern:
            suite.add_expectation(gxe.ExpectColumnValuesToMatchRegex(
                column=col.name, regex=col.pattern,
                meta=_meta("pattern", col.name, f"“{label}”格式不正确（{col.description_zh}）")))
        if col.min is not None or col.max is not None:
            low, high = col.min, col.max
            noun = _TYPE_NOUN.get(col.type, "值")
            bounds = f"{low if low is not None else ''} 至 {high if high is not None else ''}".strip()
            suite.add_expectation(gxe.ExpectColumnValuesToBeBetween(
                column=col.name, min_value=low, max_value=high,
                meta=_meta("range", col.name, f"“{label}”的{noun}超出合理范围（{bounds}）")))
        if col.type in ("id_number", "uscc", "phone"):
            suite.add_expectation(gxe.ExpectColumnValuesToBeNull(
                column=f"_problem__{col.name}", meta=_meta(col.type, col.name, "")))
    if len(c.key) == 1:
        key = c.column(c.key[0])
        suite.add_expectation(gxe.ExpectColumnValuesToBeUnique(
            column=key.name, meta=_meta("unique", key.name, f"“{key.header_zh}”重复，每个编号只能出现一次")))
    else:
        labels = "+".join(c.column(k).header_zh for k in c.key)
        suite.add_expectation(gxe.ExpectCompoundColumnsToBeUnique(
            column_list=list(c.key), meta=_meta("unique", c.key[0], f"“{labels}”组合重复")))
    for rule in c.rules:
        suite.add_expectation(gxe.ExpectColumnValuesToBeInSet(
            column=f"_rule__{rule.name}", value_set=[True],
            meta=_meta(f"rule:{rule.name}", rule.column, rule.message_zh, rule.severity)))
    return suite
