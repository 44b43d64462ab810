"""Great Expectations Data Docs: every submission's validation result, browsable by engineers.

The intake validates in an in-memory GX context (fast, nothing on disk per file). Once a file's decision
has been committed, its result is stored in a file-backed context under `<RESETTLE_HOME>/gx` and its
identifier queued (`record`): a file pays only for storing its own result, whatever the number of files
already documented. Once per ingestion run (`build_index`, the `publish_data_docs` task) the queued
results' pages and the index, which lists every result, are rendered in one pass, so the site accumulates
every submission ever checked without a rendering per file. Long lists of failing rows are cut to a
sample: the full list is in `ops.finding`.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from resettle.domain.config import settings

log = logging.getLogger(__name__)
SAMPLE = 200
_CONTEXTS: dict[str, object] = {}


def site_index() -> Path:
    return settings().home / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html"


def _queue() -> Path:
    """Results stored but not yet rendered: one small file per submission, written by the worker that
    decided it and read by the run's `build_index` (possibly another process)."""
    return settings().home / "gx" / "uncommitted" / "pages_to_render"


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
        from resettle.intake.archive import private_tree

        private_tree(root / "gx")  # what opening it created (its configuration and folders), once per process
    return context


def record(result, *, submission_id: int, source: str, dataset: str, period: str, file_name: str) -> Path | None:
    """Store one submission's result and queue its page for the run's `build_index`; a failure is logged,
    never fatal.

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
        queue = _queue()
        queue.mkdir(parents=True, exist_ok=True)
        (queue / f"{submission_id}.json").write_text(json.dumps(list(key.to_tuple())), encoding="utf-8")
        _make_private(key.to_tuple()[:2], queue / f"{submission_id}.json")
        return site_index()
    except Exception:
        log.exception("Data Docs for submission %s were not updated", submission_id)
        return None


def _make_private(stored: tuple[str, str], queued: Path) -> None:
    """Validation results quote rows of the files: what `record` wrote is the service user's only. The store
    keeps a result under `validations/<suite>/<run name>/`: that folder (and the folders above it) and the
    queued name are made private, not the whole site, which would cost each file a walk over every result
    ever stored. Stored anywhere else (another layout of the store), the whole tree is."""
    import os

    from resettle.intake.archive import DIR_MODE, FILE_MODE, private_tree

    root = settings().home / "gx"
    folder = root / "uncommitted" / "validations" / stored[0] / stored[1]
    if not folder.is_dir():
        private_tree(root)
        return
    private_tree(folder)
    validations = folder.parent.parent
    for above in (folder.parent, validations, validations.parent, root, queued.parent):
        os.chmod(above, DIR_MODE)
    for entry in [*validations.iterdir(), queued]:  # the store's own id file beside the suites' folders
        if entry.is_file() and not entry.is_symlink():
            os.chmod(entry, FILE_MODE)


def build_index() -> Path | None:
    """Render the queued results' pages and the site's index over every stored result, in one pass (once
    per ingestion run; nothing when no result was stored since); never fatal. A result queued while this
    runs waits for the next run."""
    try:
        queued = sorted(_queue().glob("*.json")) if _queue().is_dir() else []
        if not queued and site_index().exists():
            return site_index()  # no result stored since the last rendering: the site is current
        from great_expectations.data_context.types.resource_identifiers import (
            ExpectationSuiteIdentifier,
            ValidationResultIdentifier,
        )

        keys = [ValidationResultIdentifier.from_tuple(tuple(json.loads(q.read_text("utf-8")))) for q in queued]
        # Pages are rendered only for the identifiers given; one that names no stored resource renders none.
        nothing = ExpectationSuiteIdentifier(name="__index_only__")
        _context().build_data_docs(resource_identifiers=keys or [nothing], build_index=True)
        for q in queued:
            q.unlink(missing_ok=True)
        from resettle.intake.archive import private_tree

        private_tree(settings().home / "gx")
        return site_index()
    except Exception:
        log.exception("the Data Docs index was not updated")
        return None
