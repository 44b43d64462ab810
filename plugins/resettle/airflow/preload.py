"""Libraries imported once by the Airflow processes that fork tasks, so that no task imports them again.

Airflow forks every task from a long-lived process: the scheduler's LocalExecutor workers (forked from the
scheduler) and each Celery worker. A task that ingests a file imports pandas and Great Expectations (some
4 s of CPU each time), and the dbt build's task imports dbt, unless the process it was forked from already
holds them. `airflow_local_settings`
(which Airflow imports at start-up in every one of its processes) calls `preload()`; only the processes
that fork tasks import anything. A run of the DAGs in one process (`resettle run`) imports the same up front
(`preload_in_process`).
"""

from __future__ import annotations

import gc
import importlib
import sys
from collections.abc import Iterator
from contextlib import contextmanager

FORKING_COMMANDS = (("scheduler",), ("celery", "worker"))
"""`airflow <command>`s whose process forks the tasks."""
INGEST_MODULES = ("pandas", "resettle.intake.process", "resettle.intake.validate", "great_expectations")
"""What an ingestion task imports; the intake before Great Expectations, so that what GX imports and never
uses is deferred (`resettle.intake.gx_overhead`)."""
BUILD_MODULES = ("dbt.cli.main",)
"""What the build task imports (about 1 s) before it can start the build (Cosmos is already loaded as an
Airflow plugin)."""
MODULES = (*INGEST_MODULES, *BUILD_MODULES)


def forks_tasks(argv: list[str]) -> bool:
    """True for the command line of a process that forks Airflow's tasks."""
    args = [a for a in argv[1:] if not a.startswith("-")]
    return any(tuple(args[: len(command)]) == command for command in FORKING_COMMANDS)


def preload(argv: list[str] | None = None) -> list[str]:
    """Import MODULES when this process forks tasks; returns what was imported."""
    if not forks_tasks(sys.argv if argv is None else argv):
        return []
    with collector_paused():
        return _imported(MODULES)


def _imported(names) -> list[str]:
    for name in names:
        importlib.import_module(name)
    return list(names)


@contextmanager
def collector_paused() -> Iterator[None]:
    """The garbage collector off while modules load: an import creates objects that live as long as the
    process (classes, functions, schemas), close to a million for these libraries, and the collections they
    trigger walked them again and again for no garbage (8,000 unreachable objects in all): a quarter of the
    import time (5.6 s → 4.1 s for the ingestion's and the build's libraries with the API server's)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def preload_in_process(ingest: bool = True, build: bool = True) -> list[str]:
    """For a run of the DAGs in this process (`resettle run`): import what its tasks will, build the
    in-process Execution API its tasks talk to (for the one version they speak, `in_process_api`), then
    `settle_the_living()`. Returns what was imported."""
    from resettle.airflow.in_process_api import serve_the_client_version

    with collector_paused():
        names = _imported([*(INGEST_MODULES if ingest else ()), *(BUILD_MODULES if build else ())])
        serve_the_client_version()
    settle_the_living()
    return names


def settle_the_living() -> None:
    """Leave every object alive now out of the garbage collector's full collections (`gc.freeze`), as
    Airflow does before it forks task processes; called in-process before each DAG run.

    Cosmos collects garbage after each dbt command, and a full collection walks every object of the
    process: with Airflow, its in-process API server, Great Expectations and dbt loaded, about a million,
    over half a second of each build. What is frozen is modules, the DAGs and the API server, which live as
    long as the process, and what little garbage the run so far has not collected yet (some 15,000 objects
    after the ingestion of a 3,000-household month), kept until the process ends.
    """
    gc.freeze()
