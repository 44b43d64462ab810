"""Libraries imported once by the Airflow processes that fork tasks, so that no task imports them again.

Airflow forks every task from a long-lived process: the scheduler's LocalExecutor workers (forked from the
scheduler) and each Celery worker. A task that ingests a file imports pandas and Great Expectations (some
4 s of CPU each time), and the dbt build's task imports dbt, unless the process it was forked from already
holds them. `airflow_local_settings`
(which Airflow imports at start-up in every one of its processes) calls `preload()`; only the processes
that fork tasks import anything.
"""

from __future__ import annotations

import importlib
import sys

FORKING_COMMANDS = (("scheduler",), ("celery", "worker"))
"""`airflow <command>`s whose process forks the tasks."""
MODULES = ("pandas", "great_expectations", "resettle.intake.process", "resettle.intake.validate", "dbt.cli.main")
"""What an ingestion task imports, and dbt, which the build task imports (about 1 s) before it can start the
build (Cosmos is already loaded as an Airflow plugin)."""


def forks_tasks(argv: list[str]) -> bool:
    """True for the command line of a process that forks Airflow's tasks."""
    args = [a for a in argv[1:] if not a.startswith("-")]
    return any(tuple(args[: len(command)]) == command for command in FORKING_COMMANDS)


def preload(argv: list[str] | None = None) -> list[str]:
    """Import MODULES when this process forks tasks; returns what was imported."""
    if not forks_tasks(sys.argv if argv is None else argv):
        return []
    for name in MODULES:
        importlib.import_module(name)
    return list(MODULES)
