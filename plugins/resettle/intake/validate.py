"""Run a dataset's suite on a normalized frame and turn the results into findings a clerk can act on."""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from resettle.domain.contracts import contract
from resettle.domain.findings import Finding
from resettle.intake.context import PackageContext, add_context_columns
from resettle.intake.gx_overhead import narrow_column_domains, read_each_configuration_once
from resettle.intake.parse import ParsedFile

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
    gx_result: object = None

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]


def _add_rule_columns(frame: pd.DataFrame, dataset: str) -> pd.DataFrame:
    frame = frame.copy(deep=False)  # copy-on-write: the caller's frame keeps its columns, no data is copied
    for rule in contract(dataset).rules:
        result = frame.eval(rule.check)
        frame[f"_rule__{rule.name}"] = pd.array(result, dtype="boolean").fillna(True).astype(bool)
    return frame


def _context():
    import great_expectations as gx
    from great_expectations.execution_engine import pandas_execution_engine

    # GX fingerprints every in-memory batch by hashing all its cells (1.4 s per million rows) only to label
    # it; a submission is labelled by its id, so the fingerprint is skipped.
    pandas_execution_engine.HASH_THRESHOLD = 0
    read_each_configuration_once()
    narrow_column_domains()

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


EPOCH = pd.Timestamp("1970-01-01")
MAX_FINDINGS_PER_CHECK = 500


def as_days(frame: pd.DataFrame, c) -> pd.DataFrame:
    """The frame GX sees: dates as days since 1970 and numbers as plain floats (missing = NaN), which GX
    compares in bulk; on pandas' nullable Int64/Float64 it calls Python once per row. Findings take their
    values from the frame itself, so what a clerk reads does not change."""
    view = frame.copy(deep=False)
    for col in c.columns:
        if col.type == "date":
            view[col.name] = (frame[col.name] - EPOCH).dt.days
        elif col.type in ("integer", "decimal") and col.name in frame:
            view[col.name] = frame[col.name].astype("float64")
    return view


def _key(config) -> tuple:
    return (config.type, repr(sorted(config.kwargs.items())), repr(sorted((config.meta or {}).items())))


def gx_suite_of(configs: list, name: str):
    """A suite of just these expectations: the failing ones, re-run to name every unexpected row."""
    import great_expectations as gx
    from great_expectations.expectations.registry import get_expectation_impl

    suite = gx.ExpectationSuite(name=f"{name}_failures")
    for config in configs:
        suite.add_expectation(get_expectation_impl(config.type)(**config.kwargs, meta=config.meta))
    return suite


def validate(
    frame: pd.DataFrame, parsed: ParsedFile, known: Sequence[Finding] = (), package: PackageContext | None = None
) -> Validation:
    """Validate with the dataset's Great Expectations suite; each failing row becomes a finding.

    `known` are the normalizer's findings: a cell already reported as unreadable is not reported again as
    empty. `package` is what the warehouse knows of the district's package and last month.
    """
    from resettle.intake.suite import build_suite

    c = contract(parsed.dataset)
    frame = _add_rule_columns(frame, parsed.dataset).reset_index(drop=True)
    package = package or PackageContext()
    problems = add_context_columns(frame, parsed.dataset, package)
    checked = as_days(frame, c)
    context = _context()
    suite = build_suite(c, problems, package)
    batch = _batch(context, checked, parsed.dataset)
    result = batch.validate(suite, result_format={"result_format": "BOOLEAN_ONLY"})
    if not result.success:
        failed = gx_suite_of([r.expectation_config for r in result.results if not r.success], c.dataset)
        detail = {
            _key(r.expectation_config): r
            for r in batch.validate(failed, result_format={"result_format": "COMPLETE"}).results
        }
        result.results = [detail.get(_key(r.expectation_config), r) for r in result.results]
    findings: list[Finding] = list(known)
    unreadable = {(f.row, f.column) for f in known}
    outcomes: list[ExpectationOutcome] = []
    for r in result.results:
        cfg = r.expectation_config
        meta = cfg.meta or {}
        column = meta.get("column")
        header = parsed.columns.get(column, c.column(column).header_zh) if column else None
        unexpected = r.result.get("unexpected_index_list") or []
        outcomes.append(
            ExpectationOutcome(
                expectation=cfg.type,
                column=column,
                check=meta["check"],
                severity=meta["severity"],
                success=bool(r.success),
                unexpected_count=int(r.result.get("unexpected_count") or len(unexpected)),
            )
        )
        if r.success:
            continue
        if not unexpected and column is None:
            findings.append(Finding(None, None, None, meta["message_zh"], meta["severity"], meta["check"]))
            continue
        problem_column = next(
            (c_ for c_ in frame.columns if c_.startswith("_problem__") and c_ == cfg.kwargs.get("column")), None
        )
        if len(unexpected) > MAX_FINDINGS_PER_CHECK:
            findings.append(
                Finding(
                    None,
                    header,
                    None,
                    f"{meta['message_zh'] or '同类问题'}：共{len(unexpected)}行，下面只列出前"
                    f"{MAX_FINDINGS_PER_CHECK}行，请整列检查",
                    meta["severity"],
                    meta["check"],
                )
            )
            unexpected = unexpected[:MAX_FINDINGS_PER_CHECK]
        for item in unexpected:
            i = item if isinstance(item, int) else item.get("index", next(iter(item.values())))
            row = frame.iloc[int(i)]
            value = _shown(row[column]) if column else None
            message = str(row[problem_column]) if problem_column else meta["message_zh"]
            if meta["check"] == "not_null" and (int(row["source_row"]), header) in unreadable:
                continue
            findings.append(Finding(int(row["source_row"]), header, value, message, meta["severity"], meta["check"]))
    headers = (parsed.columns.get(h, h) for h in parsed.headers)
    position: dict[str | None, int] = {header: i for i, header in enumerate(headers)}
    findings.sort(key=lambda f: (f.severity != "error", f.row or 0, position.get(f.column, len(position))))
    return Validation(findings=findings, outcomes=outcomes, gx_result=result)
