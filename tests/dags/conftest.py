"""Airflow for the DAG policy tests: a throwaway AIRFLOW_HOME and an unreachable warehouse connection,
so a DAG that touched the database at parse time would fail here."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DAG_FILES = sorted(p for p in (REPO / "dags").glob("*.py") if not p.name.startswith("_"))
UNREACHABLE = "postgresql://nobody:nothing@127.0.0.1:9/none"


@pytest.fixture(scope="session")
def airflow_env(tmp_path_factory) -> dict[str, str]:
    from resettle.airflow import embedded
    from resettle.warehouse.dbt_runner import ensure_manifest

    home = tmp_path_factory.mktemp("airflow_dags")
    os.environ["RESETTLE_HOME"] = str(home)
    env = embedded.environment(UNREACHABLE)
    os.environ.update(env)
    ensure_manifest()
    return env


def python() -> str:
    return sys.executable
