"""Two costs of Great Expectations that buy nothing: an expectation's configuration built again for every
key read from it, and every column of the frame copied for each column's check.

Validating a month's small files is bound by GX's own Python, not by the rows: for every expectation GX asks
for its domain, success and runtime arguments several times while planning the metrics, and each answer
looked every key up in `Expectation.configuration`, a property that builds a new configuration each time
(a pydantic `dict()` of the whole expectation and a deep copy of its values): some 38 configurations per
expectation per file, about a third of a small file's validation. The configuration depends only on the
expectation's fields, which nothing changes while it is read, so each of the three questions now builds it
once and answers every key from it; the answers are the same.

`read_each_configuration_once` installs this (idempotent) before a validation.

Large files are bound by the rows instead, and there one step copied every column for each checked column:
a column's map check (not null, in a set, a pattern) takes the rows where that column is not null from the
whole frame, every column of it (some sixty for a roster), and then reads only its own column. Given one
column's domain, the frame GX reads now holds that column alone (`narrow_column_domains`); the rows, their
index and so the rows each finding names are the same.

And one cost of importing it: GX loads `scipy.stats` for the expectations and metrics on distributions (KL
divergence, KS tests), which no suite of ours uses, about 40% of its import in every process that validates.
`defer_unused_imports` (called when `resettle.intake` is imported, before anything imports GX) makes that
module load on first use instead.
"""

from __future__ import annotations

import importlib.util
import sys

_MARK = "_resettle_reads_configuration_once"

DEFERRED_MODULES = ("scipy.stats",)
"""Modules GX imports when it loads and our validations never run: loaded when first used, if ever."""


def defer_unused_imports() -> None:
    """Give each of DEFERRED_MODULES not imported yet as a module that loads itself on its first attribute
    read (importlib's `LazyLoader`). Importing GX then costs about 1.3 s less; a use of the module, by a
    future suite, still works and pays the import then. Its first use should come from one thread at a time
    (`LazyLoader` is not thread-safe before Python 3.12)."""
    for name in DEFERRED_MODULES:
        if name in sys.modules:
            continue
        try:
            spec = importlib.util.find_spec(name)
        except ImportError:
            continue
        if spec is None or spec.loader is None:
            continue
        spec.loader = importlib.util.LazyLoader(spec.loader)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        parent, _, child = name.rpartition(".")
        if parent:
            setattr(sys.modules[parent], child, module)


def read_each_configuration_once() -> None:
    """Make `_get_domain_kwargs`, `_get_success_kwargs` and `_get_success_kwarg` build the expectation's
    configuration once per call (once)."""
    from great_expectations.expectations.expectation import Expectation

    if getattr(Expectation._get_success_kwarg, _MARK, False):
        return
    per_key_success_kwarg = Expectation._get_success_kwarg

    def _get_domain_kwargs(self) -> dict:
        kwargs = self.configuration.kwargs
        return {key: kwargs.get(key, self._get_default_value(key)) for key in self.domain_keys}

    def _get_success_kwargs(self) -> dict:
        domain_kwargs = self._get_domain_kwargs()
        kwargs = self.configuration.kwargs
        success_kwargs = {key: kwargs.get(key, self._get_default_value(key)) for key in self.success_keys}
        success_kwargs.update(domain_kwargs)
        return success_kwargs

    def _get_success_kwarg(self, key: str, default=None):
        kwargs = self.configuration.kwargs
        if key in kwargs:
            return kwargs[key]
        field = self.__fields__.get(key)  # then the field's default, as before, without a second configuration
        if field is not None:
            return field.default if not field.required else default
        return per_key_success_kwarg(self, key, default)  # not a field: GX warns and answers `default`

    for name, method in (
        ("_get_domain_kwargs", _get_domain_kwargs),
        ("_get_success_kwargs", _get_success_kwargs),
        ("_get_success_kwarg", _get_success_kwarg),
    ):
        method.__doc__ = getattr(Expectation, name).__doc__
        method.__wrapped__ = getattr(Expectation, name)  # type: ignore[union-attr]  # GX's own, for comparison
        setattr(Expectation, name, method)
    setattr(_get_success_kwarg, _MARK, True)


def narrow_column_domains() -> None:
    """Make the pandas engine give a single column's domain as a frame of that column (once)."""
    from great_expectations.core.metric_domain_types import MetricDomainTypes
    from great_expectations.execution_engine import PandasExecutionEngine

    if getattr(PandasExecutionEngine.get_compute_domain, _MARK, False):
        return
    whole_frame_domain = PandasExecutionEngine.get_compute_domain

    def get_compute_domain(self, domain_kwargs, domain_type, accessor_keys=None):
        data, compute, accessor = whole_frame_domain(self, domain_kwargs, domain_type, accessor_keys)
        column = accessor.get("column")
        if MetricDomainTypes(domain_type) is MetricDomainTypes.COLUMN and column in getattr(data, "columns", ()):
            data = data[[column]]  # the row condition, if any, has been applied to the whole frame already
        return data, compute, accessor

    get_compute_domain.__doc__ = whole_frame_domain.__doc__
    get_compute_domain.__wrapped__ = whole_frame_domain  # type: ignore[attr-defined]  # GX's own, for comparison
    setattr(get_compute_domain, _MARK, True)
    PandasExecutionEngine.get_compute_domain = get_compute_domain  # type: ignore[method-assign]
