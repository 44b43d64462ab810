"""Great Expectations reads an expectation's configuration once per question, not once per key.

Validating a month's small files is bound by GX's own Python, not by the rows: for every expectation GX asks
for its domain, success and runtime arguments several times while planning the metrics, and each answer
looked every key up in `Expectation.configuration`, a property that builds a new configuration each time
(a pydantic `dict()` of the whole expectation and a deep copy of its values): some 38 configurations per
expectation per file, about a third of a small file's validation. The configuration depends only on the
expectation's fields, which nothing changes while it is read, so each of the three questions now builds it
once and answers every key from it; the answers are the same.

`read_each_configuration_once` installs this (idempotent) before a validation.
"""

from __future__ import annotations

_MARK = "_resettle_reads_configuration_once"


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
