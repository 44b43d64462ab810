"""Shared fixtures: a real PostgreSQL (the embedded server, started once), a fresh database per test,
and every RESETTLE_* path pointed at the test's own temporary folders."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from tests.databases import fresh_database

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


@pytest.fixture
def warehouse_url(pg_server: str) -> str:
    """A fresh, empty database on the session's server, dropped after the test."""
    with fresh_database(pg_server) as url:
        yield url


@pytest.fixture
def resettle_env(tmp_path, monkeypatch) -> dict[str, Path]:
    """Landing, outbox, archive and home of this test only."""
    paths = {name: tmp_path / name for name in ("landing", "outbox", "archive", "home")}
    for name, path in paths.items():
        path.mkdir()
        monkeypatch.setenv(f"RESETTLE_{name.upper()}", str(path))
    return paths


# Tests that share an expensive fixture (a generated world, a browser, a corpus run, Airflow's throwaway
# home) stay on one xdist worker (`pytest -n 2 --dist loadgroup`, what `make test` runs); every other test
# goes wherever a worker is free.
XDIST_GROUPS = {
    "browser": "browser",
    "dags": "dags",
    "integration/test_alerts.py": "alerts",
    "integration/test_corpus.py": "corpus",
    "integration/test_inject_errors.py": "inject_errors",
}


# The longest tests (minutes each: Airflow services, whole pipelines, the benchmarks' smoke run) start first,
# so that two workers finish together instead of one running the longest test alone at the end.
LONGEST_FIRST = (
    "integration/test_celery_topology.py",
    "integration/test_airflow_services.py",
    "e2e/test_skeleton.py",
    "integration/test_bench.py",
    "e2e/test_demo_story.py",
    "e2e/test_marts_recompute.py",
    "integration/test_backup_restore.py",
    "browser/",
)


def _longest_first(relative: str) -> int:
    return next((i for i, prefix in enumerate(LONGEST_FIRST) if relative.startswith(prefix)), len(LONGEST_FIRST))


def pytest_collection_modifyitems(config, items):
    items.sort(key=lambda item: _longest_first(Path(str(item.fspath)).relative_to(REPO / "tests").as_posix()))
    for item in items:
        relative = Path(str(item.fspath)).relative_to(REPO / "tests").as_posix()
        for prefix, group in XDIST_GROUPS.items():
            if relative.startswith(prefix):
                item.add_marker(pytest.mark.xdist_group(group))
                break
