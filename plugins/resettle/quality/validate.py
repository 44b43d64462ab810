"""Run a dataset's suite on a normalized frame and turn the results into findings a clerk can act on."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

import pandas as pd

from resettle.contracts import contract
from resettle.intake.normalize import Finding
from resettle.intake.parse import ParsedFile
from resettle.quality.context import PackageContext, add_context_columns

os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")


@dataclass
class ExpectationOutcome:
    """One expectation's result, kept per submission in the warehouse."""

    expectation: str
    column: str | None
    check: str
    severity: str
    success: bool
    unexpected_count: int


@dataclass
class Validation:
    findings: list[Finding]
    outcomes: list[ExpectationOutcome]

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]


def _add_rule_columns(frame: pd.DataFrame, dataset: str) -> pd.DataFrame:
    frame = frame.copy()
    for rule in contract(dataset).rules:
        result = frame.eval(rule.check)
        frame[f"_rule__{rule.name}"] = pd.array(result, dtype="boolean").fillna(True).astype(bool)
    return frame


def _context():
    import great_expectations as gx

    for noisy in ("great_expectations", "great_expectations._docs_decorators"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    return context


def _batch(context, frame: pd.DataFrame, name: str):
    asset = context.data_sources.add_pandas(name).add_dataframe_asset(name)
    return asset.add_batch_definition_whole_dataframe(name).get_batch(batch_parameters={"dataframe": frame})


def _shown(value) -> str | None:
    if value is None or (not isinstance(value, (list, dict)) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


def validate(frame: pd.DataFrame, parsed: ParsedFile, known: list[Finding] = (),
             package: PackageContext | None = None) -> Validation:
    """Validate with the dataset's Great Expectations suite; each failing row becomes a finding.

    `known` are the normalizer's findings: a cell already reported as unreadable is not reported again as
    empty. `package` is what the warehouse knows of the district's package and last month.
    """
    from resettle.quality.suite import build_suite

    c = contract(parsed.dataset)
    checked = _add_rule_columns(frame, parsed.dataset).reset_index(drop=True)
    package = package or PackageContext()
    problems = add_context_columns(checked, parsed.dataset, package)
    context = _context()
    suite = build_suite(c, problems, package)
    result = _batch(context, checked, parsed.dataset).validate(suite, result_format={"result_format": "COMPLETE"})
    findings: list[Finding] = list(known)
    unreadable = {(f.row, f.column) for f in known}
    outcomes: list[ExpectationOutcome] = []
    for r in result.results:
        cfg = r.expectation_config
        meta = cfg.meta or {}
        column = meta.get("column")
        header = parsed.columns.get(column, c.column(column).header_zh) if column else None
        unexpected = r.result.get("unexpected_index_list") or []
        outcomes.append(ExpectationOutcome(
            expectation=cfg.type, column=column, check=meta["check"], severity=meta["severity"],
            success=bool(r.success), unexpected_count=int(r.result.get("unexpected_count") or len(unexpected)),
        ))
        if r.success:
            continue
        if not unexpected and column is None:
            findings.append(Finding(None, None, None, meta["message_zh"], meta["severity"], meta["check"]))
            continue
        problem_column = next((c_ for c_ in checked.columns if c_.startswith("_problem__")
                               and c_ == cfg.kwargs.get("column")), None)
        for item in unexpected:
            i = item if isinstance(item, int) else item.get("index", next(iter(item.values())))
            row = checked.iloc[int(i)]
            value = _shown(row[column]) if column else None
            message = str(row[problem_column]) if problem_column else meta["message_zh"]
            if meta["check"] == "not_null" and (int(row["source_row"]), header) in unreadable:
                continue
            findings.append(Finding(int(row["source_row"]), header, value, message, meta["severity"], meta["check"]))
    findings.sort(key=lambda f: (f.row or 0, f.column or ""))
    return Validation(findings=findings, outcomes=outcomes)
