"""Great Expectations builds an expectation's configuration once per question and answers as before
(resettle.intake.gx_overhead)."""

from __future__ import annotations

import great_expectations as gx
from great_expectations.expectations.expectation import Expectation

from resettle.domain.contracts import DATASETS, contract
from resettle.intake.gx_overhead import read_each_configuration_once
from resettle.intake.suite import build_suite


def _expectations():
    gx.get_context(mode="ephemeral")
    return [e for dataset in DATASETS for e in build_suite(contract(dataset)).expectations]


def test_every_answer_is_gx_own():
    read_each_configuration_once()
    read_each_configuration_once()  # idempotent
    expectations = _expectations()
    assert len({type(e) for e in expectations}) > 5
    for e in expectations:
        assert e._get_domain_kwargs() == Expectation._get_domain_kwargs.__wrapped__(e)
        assert e._get_success_kwargs() == Expectation._get_success_kwargs.__wrapped__(e)
        for key in (*e.domain_keys, *e.success_keys, *e.runtime_keys, "not_a_field"):
            assert e._get_success_kwarg(key, "d") == Expectation._get_success_kwarg.__wrapped__(e, key, "d"), key


def test_the_runtime_arguments_build_one_configuration_per_question(monkeypatch):
    read_each_configuration_once()
    built = []
    configuration = Expectation.configuration

    def counting(self):
        built.append(self)
        return configuration.fget(self)

    monkeypatch.setattr(Expectation, "configuration", property(counting))
    for e in _expectations():
        built.clear()
        e._get_runtime_kwargs()
        # domain and success arguments: one each; then one per runtime argument (GX: one per key, twice more
        # for each runtime argument)
        assert len(built) == 2 + len(e.runtime_keys), type(e).__name__


def _validated(frame):
    context = gx.get_context(mode="ephemeral")
    name = f"t{len(context.data_sources.all())}"
    batch = (
        context.data_sources.add_pandas(name)
        .add_dataframe_asset(name)
        .add_batch_definition_whole_dataframe(name)
        .get_batch(batch_parameters={"dataframe": frame})
    )
    suite = gx.ExpectationSuite(name=name)
    suite.add_expectation(gx.expectations.ExpectColumnValuesToNotBeNull(column="code"))
    suite.add_expectation(gx.expectations.ExpectColumnValuesToBeInSet(column="kind", value_set=["a", "b"]))
    suite.add_expectation(gx.expectations.ExpectColumnValuesToMatchRegex(column="code", regex=r"^H\d+$"))
    suite.add_expectation(gx.expectations.ExpectTableRowCountToBeBetween(min_value=1, max_value=10))
    result = batch.validate(suite, result_format={"result_format": "COMPLETE"})
    return [
        (r.expectation_config.type, r.success, r.result.get("unexpected_count"), r.result.get("unexpected_index_list"))
        for r in result.results
    ]


def test_a_column_check_reads_its_own_column_and_names_the_same_rows(monkeypatch):
    import pandas as pd
    from great_expectations.core.metric_domain_types import MetricDomainTypes
    from great_expectations.execution_engine import PandasExecutionEngine

    from resettle.intake.gx_overhead import narrow_column_domains

    narrow_column_domains()
    narrow_column_domains()  # idempotent
    frame = pd.DataFrame(
        {"code": ["H1", None, "X3", "H4", "H5"], "kind": ["a", "c", None, "b", "a"], "other": range(5)},
        index=range(10, 15),
    )
    domains = []
    narrowed = PandasExecutionEngine.get_compute_domain

    def noting(self, domain_kwargs, domain_type, accessor_keys=None):
        data, compute, accessor = narrowed(self, domain_kwargs, domain_type, accessor_keys)
        domains.append((MetricDomainTypes(domain_type), list(data.columns)))
        return data, compute, accessor

    monkeypatch.setattr(PandasExecutionEngine, "get_compute_domain", noting)
    results = _validated(frame)
    column_domains = [columns for kind, columns in domains if kind is MetricDomainTypes.COLUMN]
    assert column_domains and all(len(columns) == 1 for columns in column_domains), domains
    assert any(len(columns) == 3 for kind, columns in domains if kind is MetricDomainTypes.TABLE)
    named = {kind: found for kind, _, *found in results}
    assert named["expect_column_values_to_not_be_null"] == [1, [11]]
    assert named["expect_column_values_to_be_in_set"] == [1, [11]]
    assert named["expect_column_values_to_match_regex"] == [1, [12]]

    monkeypatch.setattr(PandasExecutionEngine, "get_compute_domain", narrowed.__wrapped__)
    assert results == _validated(frame)  # GX's own, on the whole frame


DEFERRED_CHECK = """
import sys
from pathlib import Path

import resettle.intake  # what every worker imports before Great Expectations
import great_expectations  # noqa: F401
from tests.unit.test_codes import _ledger
from resettle.intake.context import PackageContext
from resettle.intake.normalize import normalize
from resettle.intake.validate import validate

parsed = _ledger(Path(sys.argv[1]), ["NS-2014-001", " ns-2014-001 "])
frame, findings = normalize(parsed)
result = validate(frame, parsed, findings, PackageContext(own_district="nanshan"))
assert [f.check for f in result.errors if f.check == "unique"] == ["unique", "unique"], result.errors
print("loaded after a validation:", "scipy.stats._stats_py" in sys.modules)
import scipy.stats
print("entropy:", round(float(scipy.stats.entropy([0.5, 0.5], base=2)), 3))
"""


def test_gx_imports_without_scipy_stats_and_it_still_loads_on_first_use(tmp_path):
    """A validation in a fresh worker never loads `scipy.stats`; a use of it still works."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    repo = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [sys.executable, "-c", DEFERRED_CHECK, str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=repo,
        env={**os.environ, "PYTHONPATH": f"{repo / 'plugins'}:{repo}"},
        check=False,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    assert "loaded after a validation: False" in out.stdout, out.stdout
    assert "entropy: 1.0" in out.stdout, out.stdout
