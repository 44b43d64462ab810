"""Shared fixtures: a real PostgreSQL (the embedded server, started once), a fresh database per test,
and every RESETTLE_* path pointed at the test's own temporary folders."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from tests.databases import RUN, WORKER, fresh_database, own_folders

REPO = Path(__file__).resolve().parents[1]
os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
os.environ.setdefault("DO_NOT_TRACK", "1")
# Tests write files and process them at once, and replay generated landing folders whose modification times
# are the history; tests of the settle period and of the received clock set these themselves.
os.environ.setdefault("RESETTLE_SETTLE_SECONDS", "0")
os.environ.setdefault("RESETTLE_RECEIVED_CLOCK", "mtime")


@pytest.fixture(scope="session")
def pg_server() -> str:
    """A real PostgreSQL for the whole session: RESETTLE_TEST_WAREHOUSE_URL if given, else an embedded one.

    Its data lives outside pytest's numbered temp folders, which another pytest run may prune.
    """
    external = os.environ.get("RESETTLE_TEST_WAREHOUSE_URL")
    if external:
        yield external
        return
    from resettle.warehouse import server

    home = Path(tempfile.mkdtemp(prefix="resettle-test-pg-"))
    previous = os.environ.get("RESETTLE_HOME")
    os.environ["RESETTLE_HOME"] = str(home)
    try:
        yield server.start().url("postgres")
    finally:
        os.environ["RESETTLE_HOME"] = str(home)
        server.stop()
        shutil.rmtree(home, ignore_errors=True)
        if previous is None:
            os.environ.pop("RESETTLE_HOME", None)
        else:
            os.environ["RESETTLE_HOME"] = previous


def pytest_sessionfinish(session):
    """The dbt targets kept for this worker's databases (`fresh_database`), whose names no later run uses."""
    from resettle.warehouse.dbt_runner import build_targets

    for folder in build_targets().glob(f"*_{RUN}_{WORKER}_*"):
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def warehouse_url(pg_server: str) -> str:
    """A fresh, empty database on the session's server, dropped after the test."""
    with fresh_database(pg_server) as url:
        yield url


@pytest.fixture
def resettle_env(tmp_path, monkeypatch) -> dict[str, Path]:
    """Landing, outbox, archive and home of this test only."""
    return own_folders(tmp_path, monkeypatch)


# Tests that share an expensive fixture (a generated world, a browser, a corpus run, Airflow's throwaway
# home) stay on one xdist worker (`pytest -n 3 --dist loadgroup`, what `make test` runs), so the fixture is
# built once; every other test goes wherever a worker is free.
XDIST_GROUPS = {
    "browser/": "browser",
    "dags/": "dags",
    "integration/test_alerts.py": "alerts",
    "integration/test_corpus.py": "corpus",
    "integration/test_inject_errors.py": "inject_errors",
    "unit/test_templates.py": "templates",
}


# The longest tests and groups (minutes each: whole pipelines, the browser world, Airflow services, the
# benchmarks' smoke run), longest first as measured with `pytest -n 3 --durations=60`, start first, so that
# the workers finish together instead of one running a long test alone at the end.
LONGEST_FIRST = (
    "e2e/test_skeleton.py::test_generated_months_flow_into_the_district_progress_mart",
    "browser/",
    "integration/test_bench.py",
    "integration/test_celery_topology.py",
    "e2e/test_marts_recompute.py",
    "integration/test_backup_restore.py",
    "e2e/test_demo_story.py",
    "integration/test_airflow_services.py",
    "integration/test_dbt_project.py",
    "e2e/test_feeds.py",
    "e2e/test_timeliness.py",
    "integration/test_alerts.py",
    "integration/test_inject_errors.py",
    "e2e/test_joint_review.py",
    "hostile/test_concurrency.py",
    "unit/test_templates.py",
    "integration/test_corpus.py",
    "dags/",
)


def _relative(nodeid: str) -> str:
    return nodeid.removeprefix("tests/")


def _longest_first(relative: str) -> int:
    return next((i for i, prefix in enumerate(LONGEST_FIRST) if relative.startswith(prefix)), len(LONGEST_FIRST))


def pytest_collection_modifyitems(config, items):
    items.sort(key=lambda item: _longest_first(_relative(item.nodeid)))


def pytest_xdist_make_scheduler(config, log):
    """`--dist loadgroup` with the groups above: each group is one unit of work, sent whole to one worker.

    xdist's own loadgroup reads `xdist_group` marks into the test ids, which pytest 9 no longer lets it
    change, so it would spread a group over every worker and build its fixture on each."""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    # xdist would otherwise hand out the groups with the most tests first, whatever their length, and the
    # longest single tests last (LONGEST_FIRST above).
    config.option.loadscopereorder = False

    class GroupScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            relative = _relative(nodeid)
            return next((group for prefix, group in XDIST_GROUPS.items() if relative.startswith(prefix)), nodeid)

    return GroupScheduling(config, log)
