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
