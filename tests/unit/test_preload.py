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
