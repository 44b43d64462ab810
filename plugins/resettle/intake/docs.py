"""Great Expectations Data Docs: every submission's validation result, browsable by engineers.

The intake validates in an in-memory GX context (fast, nothing on disk per file). Once a file's decision
has been committed, its result is added to a file-backed context under `<RESETTLE_HOME>/gx` and only its
own page is rendered (`record`): the cost of a file does not grow with the number of files already
documented. The index page, which lists every result, is rendered once per ingestion run
(`build_index`), so the site accumulates every submission ever checked. Long lists of failing rows are cut
to a sample: the full list is in `ops.finding`.
"""

from __future__ import annotations

import logging
from pathlib import Path

from resettle.domain.config import settings

log = logging.getLogger(__name__)
SAMPLE = 200
_CONTEXTS: dict[str, object] = {}


def site_index() -> Path:
    return settings().home / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html"


def _trimmed(result):
    for r in result.results:
        for key in (
            "unexpected_list",
            "unexpected_index_list",
            "partial_unexpected_list",
            "partial_unexpected_index_list",
            "partial_unexpected_counts",
        ):
            if isinstance(r.result.get(key), list) and len(r.result[key]) > SAMPLE:
                r.result[key] = r.result[key][:SAMPLE]
        r.result.pop("unexpected_index_query", None)
    return result


def _short(file_name: str, max_bytes: int = 80) -> str:
    """The file name as part of a Data Docs path: one line, at most `max_bytes` of UTF-8 (a file system takes
    255 bytes per name, and a clerk's name can be longer), without characters a path cannot hold."""
    from resettle.domain.identifiers import single_line

    name = single_line(file_name).replace("/", "_").replace("\\", "_")
    while len(name.encode()) > max_bytes:
        name = name[:-1]
    return name


def _context():
    """The file-backed context of this RESETTLE_HOME, opened once per process (opening costs ~0.5 s)."""
    import great_expectations as gx

    root = settings().home
    context = _CONTEXTS.get(str(root))
    if context is None:
        root.mkdir(parents=True, exist_ok=True)
        context = gx.get_context(mode="file", project_root_dir=str(root))
        _CONTEXTS[str(root)] = context
    return context


def record(result, *, submission_id: int, source: str, dataset: str, period: str, file_name: str) -> Path | None:
    """Store one submission's result and render its page (not the index); a failure is logged, never fatal.

    Called after the submission's decision has been committed: Data Docs never hold a warehouse
    transaction open.
    """
    try:
        from great_expectations.core.run_identifier import RunIdentifier
        from great_expectations.data_context.types.resource_identifiers import (
            ExpectationSuiteIdentifier,
            ValidationResultIdentifier,
        )

        context = _context()
        key = ValidationResultIdentifier(
            expectation_suite_identifier=ExpectationSuiteIdentifier(name=dataset),
            run_id=RunIdentifier(run_name=f"{period} {source} #{submission_id} {_short(file_name)}"),
            batch_identifier=f"{source}-{period}-{submission_id}",
        )
        context.validation_results_store.set(key, _trimmed(result))
        context.build_data_docs(resource_identifiers=[key], build_index=False)
        from resettle.intake.archive import private_tree

        private_tree(settings().home / "gx")  # validation results quote rows of the files: the service user's only
        return site_index()
    except Exception:
        log.exception("Data Docs for submission %s were not updated", submission_id)
        return None


def build_index() -> Path | None:
    """Render the site's index page over every stored result (once per ingestion run); never fatal."""
    try:
        from great_expectations.data_context.types.resource_identifiers import ExpectationSuiteIdentifier

        # Pages are rendered only for the identifiers given; one that names no stored resource renders none.
        nothing = ExpectationSuiteIdentifier(name="__index_only__")
        _context().build_data_docs(resource_identifiers=[nothing], build_index=True)
        return site_index()
    except Exception:
        log.exception("the Data Docs index was not updated")
        return None
