"""Which Airflow processes import the intake's libraries at start-up: those that fork tasks, no other."""

from __future__ import annotations

import pytest

from resettle.airflow.preload import forks_tasks


@pytest.mark.parametrize(
    ("argv", "forks"),
    [
        (["/opt/venv/bin/airflow", "scheduler"], True),
        (["airflow", "celery", "worker", "--celery-hostname", "worker-1@%h"], True),
        (["airflow", "api-server", "--port", "8080"], False),
        (["airflow", "dag-processor"], False),
        (["airflow", "triggerer"], False),
        (["airflow", "celery", "flower"], False),
        (["airflow", "db", "migrate"], False),
        (["resettle", "run", "--period", "2026-10"], False),
        (["pytest"], False),
    ],
)
def test_only_the_processes_that_fork_tasks_preload(argv, forks):
    assert forks_tasks(argv) is forks


def test_an_in_process_run_imports_what_its_tasks_will_and_freezes_it_out_of_collections():
    """`resettle run` imports the ingestion's or the build's libraries up front, then leaves what is alive
    out of the collector's full collections (Cosmos collects after each dbt command)."""
    import gc
    import sys

    from resettle.airflow.preload import BUILD_MODULES, INGEST_MODULES, preload_in_process

    try:
        assert preload_in_process(ingest=True, build=False) == list(INGEST_MODULES)
        assert all(name in sys.modules for name in INGEST_MODULES)
        frozen = gc.get_freeze_count()
        assert frozen > 0
        assert preload_in_process(ingest=False, build=True) == list(BUILD_MODULES)
        assert gc.get_freeze_count() >= frozen
    finally:
        gc.unfreeze()
