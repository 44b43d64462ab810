"""Great Expectations Data Docs: every submission's validation result, browsable by engineers.

The intake validates in an in-memory GX context (fast, nothing on disk per file); after the decision, the
result is added to a file-backed context under `<RESETTLE_HOME>/gx` and the static site is rebuilt, so
the site accumulates every submission ever checked. Long lists of failing rows are cut to a sample: the
full list is in `ops.finding`.
"""

from __future__ import annotations

import logging
from pathlib import Path

from resettle.domain.config import settings

log = logging.getLogger(__name__)
SAMPLE = 200


def site_index() -> Path:
    return settings().home / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html"


def _trimmed(result):
    for r in result.results:
        for key in ("unexpected_list", "unexpected_index_list", "partial_unexpected_list",
                    "partial_unexpected_index_list", "partial_unexpected_counts"):
            if isinstance(r.result.get(key), list) and len(r.result[key]) > SAMPLE:
                r.result[key] = r.result[key][:SAMPLE]
        r.result.pop("unexpected_index_query", None)
    return result


def record(result, *, submission_id: int, source: str, dataset: str, period: str, file_name: str) -> Path | None:
    """Store one submission's result and rebuild the site; a failure is logged, never fatal."""
    try:
        import great_expectations as gx
        from great_expectations.core.run_identifier import RunIdentifier
        from great_expectations.data_context.types.resource_identifiers import (
            ExpectationSuiteIdentifier,
            ValidationResultIdentifier,
        )

        root = settings().home
        root.mkdir(parents=True, exist_ok=True)
        context = gx.get_context(mode="file", project_root_dir=str(root))
        key = ValidationResultIdentifier(
            expectation_suite_identifier=ExpectationSuiteIdentifier(name=dataset),
            run_id=RunIdentifier(run_name=f"{period} {source} #{submission_id} {file_name}"),
            batch_identifier=f"{source}-{period}-{submission_id}",
        )
        context.validation_results_store.set(key, _trimmed(result))
        context.build_data_docs()
        return site_index()
    except Exception:
        log.exception("Data Docs for submission %s were not updated", submission_id)
        return None
