"""Build a Great Expectations suite from a dataset contract (and what the warehouse knows of the package).

Each expectation carries, in its `meta`, the severity (error: the file is rejected whole; warning: it is
accepted and flagged), the column it speaks of and the sentence a clerk reads. Row checks computed in
Python (ID and USCC check characters, phone format, cross-column rules, the package checks) arrive as
`_problem__*` and `_rule__*` columns, so the suite records them like any other expectation.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from typing import Any

import great_expectations as gx
import great_expectations.expectations as gxe

from resettle.domain import reference
from resettle.domain.column_types import column_type
from resettle.domain.contracts import Contract
from resettle.intake.context import VOLUME_MIN_ROWS, VOLUME_SWING, PackageContext, ProblemColumn

MAX_CODES_NAMED = 10


def _days(iso: object) -> int | None:
    """A contract date bound in the unit the validation frame uses for dates (days since 1970)."""
    return None if iso is None else (dt.date.fromisoformat(str(iso)) - dt.date(1970, 1, 1)).days


def _meta(check: str, column: str | None, message_zh: str, severity: str = "error") -> dict:
    return {"severity": severity, "column": column, "message_zh": message_zh, "check": check}


def _on_column(
    expectation: Callable[..., Any], column: str, check: str, message_zh: str, severity: str = "error", **kwargs: Any
) -> Any:
    """`expectation` on one column, whose findings point the clerk at that column."""
    return expectation(column=column, **kwargs, meta=_meta(check, column, message_zh, severity))


def identifier_problems(c: Contract) -> list[ProblemColumn]:
    return [
        ProblemColumn(col.name, col.name, "error", col.type)
        for col in c.columns
        if column_type(col.type).identifier_check
    ]


def _column_expectations(c: Contract) -> list:
    out: list = []
    for col in c.columns:
        label = col.header_zh
        if col.not_null:
            out.append(
                _on_column(gxe.ExpectColumnValuesToNotBeNull, col.name, "not_null", f"“{label}”为必填项，不能为空")
            )
        kind = column_type(col.type)
        allowed = kind.allowed_values(col)
        if allowed is not None:
            message = kind.not_in_set_message(col)
            out.append(
                _on_column(gxe.ExpectColumnValuesToBeInSet, col.name, "allowed", message, value_set=list(allowed))
            )
        if col.pattern:
            message = f"“{label}”格式不正确（{col.description_zh}）"
            out.append(_on_column(gxe.ExpectColumnValuesToMatchRegex, col.name, "pattern", message, regex=col.pattern))
        if col.min is not None or col.max is not None:
            noun = column_type(col.type).noun_zh
            bounds = f"{'' if col.min is None else col.min} 至 {'' if col.max is None else col.max}".strip()
            low: Any = col.min
            high: Any = col.max
            if col.type == "date":
                low, high = _days(low), _days(high)
            message = f"“{label}”的{noun}超出合理范围（{bounds}）"
            out.append(
                _on_column(gxe.ExpectColumnValuesToBeBetween, col.name, "range", message, min_value=low, max_value=high)
            )
    return out


def _key_expectation(c: Contract):
    if len(c.key) == 1:
        key = c.column(c.key[0])
        message = f"“{key.header_zh}”重复，每个编号只能出现一次"
        return _on_column(gxe.ExpectColumnValuesToBeUnique, key.name, "unique", message)
    labels = "+".join(c.column(k).header_zh for k in c.key)
    return gxe.ExpectCompoundColumnsToBeUnique(
        column_list=list(c.key), meta=_meta("unique", c.key[0], f"“{labels}”组合重复")
    )


def _context_expectations(c: Contract, ctx: PackageContext) -> list:
    out: list = []
    if ctx.own_district and "district" in c.column_names:
        name = reference.districts()[ctx.own_district].name_zh
        message = f"“所属区”与报送单位不一致：本文件由{name}报送，只能填报{name}的项目"
        out.append(
            _on_column(
                gxe.ExpectColumnValuesToBeInSet, "district", "own_district", message, value_set=[ctx.own_district]
            )
        )
    if ctx.ledger is not None and "project_code" in c.column_names:
        message = "项目编号在本区本月的项目台账中不存在，请核对编号或补报项目台账"
        out.append(
            _on_column(
                gxe.ExpectColumnValuesToBeInSet,
                "project_code",
                "project_in_ledger",
                message,
                value_set=sorted(ctx.ledger),
            )
        )
    if ctx.carried_codes:
        missing = ctx.missing_codes or {}
        named = "、".join(f"{code}（{name}）" for code, name in sorted(missing.items())[:MAX_CODES_NAMED])
        more = f"等{len(missing)}个" if len(missing) > MAX_CODES_NAMED else ""
        out.append(
            gxe.ExpectColumnDistinctValuesToContainSet(
                column="project_code",
                value_set=sorted(ctx.carried_codes),
                meta=_meta(
                    "codes_carried_over",
                    None,
                    f"上月项目台账中的项目本月未出现：{named}{more}。如项目已撤销或合并，请在备注中说明；"
                    "如编号写法有变，请沿用上月的编号",
                    "warning",
                ),
            )
        )
    for pattern in ctx.code_patterns:
        if pattern.column in c.column_names:
            col = c.column(pattern.column)
            example = f"，如 {pattern.example}" if pattern.example else ""
            message = f"“{col.header_zh}”与领导小组办公室为本单位约定的编号格式不一致{example}"
            regex = f"^(?:{pattern.pattern})$"
            out.append(
                _on_column(
                    gxe.ExpectColumnValuesToMatchRegex, col.name, "code_pattern", message, "warning", regex=regex
                )
            )
    if ctx.previous_rows is not None and ctx.previous_rows >= VOLUME_MIN_ROWS:
        low = math.floor(ctx.previous_rows * (1 - VOLUME_SWING))
        high = math.ceil(ctx.previous_rows * (1 + VOLUME_SWING))
        out.append(
            gxe.ExpectTableRowCountToBeBetween(
                min_value=low,
                max_value=high,
                meta=_meta(
                    "volume_swing",
                    None,
                    f"本月数据行数与上月（{ctx.previous_rows}行）相比变化超过"
                    f"{int(VOLUME_SWING * 100)}%，请确认是否漏报或重复报送",
                    "warning",
                ),
            )
        )
    return out


def build_suite(
    c: Contract, problems: Sequence[ProblemColumn] = (), ctx: PackageContext | None = None
) -> gx.ExpectationSuite:
    suite = gx.ExpectationSuite(name=c.dataset)
    expectations = _column_expectations(c)
    expectations += [
        gxe.ExpectColumnValuesToBeNull(column=f"_problem__{p.name}", meta=_meta(p.check, p.blame, "", p.severity))
        for p in (*identifier_problems(c), *problems)
    ]
    expectations.append(_key_expectation(c))
    expectations += [
        gxe.ExpectColumnValuesToBeInSet(
            column=f"_rule__{rule.name}",
            value_set=[True],
            meta=_meta(f"rule:{rule.name}", rule.column, rule.message_zh, rule.severity),
        )
        for rule in c.rules
    ]
    expectations += _context_expectations(c, ctx or PackageContext())
    for expectation in expectations:
        if expectation.meta["severity"] == "warning":
            expectation.severity = "warning"
        suite.add_expectation(expectation)
    return suite


def suite_document(dataset: str) -> dict:
    """The suite of a dataset as GX serialises it (without the checks that need the warehouse)."""
    import json

    from resettle.domain.contracts import contract

    gx.get_context(mode="ephemeral")
    document: dict[str, Any] = build_suite(contract(dataset)).to_json_dict()
    document.pop("id", None)
    for expectation in document["expectations"]:
        expectation.pop("id", None)
    return json.loads(json.dumps(document, ensure_ascii=False, sort_keys=True, default=str))


def export_suites(folder) -> list:
    """Write `expectations/suites/<dataset>.json`, the reviewable form of every suite."""
    import json
    from pathlib import Path

    from resettle.domain.contracts import DATASETS

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for dataset in DATASETS:
        path = folder / f"{dataset}.json"
        path.write_text(
            json.dumps(suite_document(dataset), ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8"
        )
        written.append(path)
    return written
