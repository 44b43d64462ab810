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


SERVE = """
import httpx
from airflow.sdk.api.datamodels._generated import API_VERSION
from airflow.sdk.execution_time.supervisor import in_process_api_server
from resettle.airflow.in_process_api import serve_the_client_version

assert serve_the_client_version() == [API_VERSION]
server = in_process_api_server()
with httpx.Client(transport=server.transport, base_url="http://in-process.invalid/") as client:
    assert client.get("/health/ping", headers={"Airflow-API-Version": API_VERSION}).status_code == 200
    assert client.get("/health/ping").status_code == 200
    assert client.get("/health/ping", headers={"Airflow-API-Version": "2025-04-28"}).status_code == 404
assert sorted(server.app.router.versioned_routers) == [API_VERSION]
print("served", API_VERSION)
"""


def test_an_in_process_run_serves_the_api_version_its_tasks_speak_and_only_that(tmp_path):
    """The in-process Execution API answers the Task SDK's own version (and requests naming none); the
    older versions, which Cadwyn would generate on the first request, are not there."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "AIRFLOW_HOME": str(tmp_path), "AIRFLOW__CORE__LOAD_EXAMPLES": "False"}
    out = subprocess.run([sys.executable, "-c", SERVE], env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-3000:]
    assert "served" in out.stdout


def test_the_collector_is_paused_while_modules_load_and_left_as_it_was():
    import gc

    from resettle.airflow.preload import collector_paused

    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled(), "a collector someone else turned off stays off"
    finally:
        gc.enable()
