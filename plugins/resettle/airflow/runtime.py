"""What the DAGs need from Airflow at run time, kept out of the DAG files.

The warehouse is the Airflow connection `resettle_warehouse` (AIRFLOW_CONN_RESETTLE_WAREHOUSE in the
embedded setup, the secrets backend in production); it is looked up inside tasks, never at parse time.
"""

from __future__ import annotations

import datetime as dt

from resettle.domain.config import WAREHOUSE_CONN_ID

DEFAULT_ARGS = {"owner": "data-eng", "retries": 1, "retry_delay": dt.timedelta(seconds=30)}


def warehouse_url() -> str:
    """The warehouse connection as a libpq URL."""
    from airflow.sdk import BaseHook

    conn = BaseHook.get_connection(WAREHOUSE_CONN_ID)
    uri = conn.get_uri()
    return "postgresql://" + uri.split("://", 1)[1] if "://" in uri else uri


def announce_updates(outlet_events, outcomes: list[dict]) -> list[str]:
    """Emit an Asset event for each dataset that received new accepted data in this run."""
    from resettle.airflow.assets import RAW_UPDATES, raw_asset
    from resettle.airflow.pipeline import updated_datasets

    datasets = updated_datasets(outcomes)
    for dataset in datasets:
        files = [o["file_name"] for o in outcomes if o.get("new") and o["dataset"] == dataset]
        outlet_events[RAW_UPDATES].add(raw_asset(dataset), extra={"files": files})
    return datasets


def dbt_task_group(group_id: str = "dbt"):
    """The dbt project as Airflow tasks (Cosmos), rendered from the pre-built manifest.

    Rendering reads `dbt_project/target/manifest.json` only: no dbt call and no database at parse time.
    Each node runs as `dbt build` of itself (the model, then its tests), so a failing test fails that task
    and stops everything downstream.
    """
    import os
    import sys
    from pathlib import Path

    from cosmos import DbtTaskGroup, ExecutionConfig, ProfileConfig, ProjectConfig, RenderConfig
    from cosmos.constants import ExecutionMode, InvocationMode, LoadMode, TestBehavior
    from cosmos.profiles import PostgresUserPasswordProfileMapping

    from resettle.domain.config import settings
    from resettle.warehouse.dbt_runner import manifest_path

    project_dir = settings().dbt_project_dir
    return DbtTaskGroup(
        group_id=group_id,
        project_config=ProjectConfig(manifest_path=manifest_path(), project_name="resettle"),
        profile_config=ProfileConfig(
            profile_name="resettle",
            target_name="warehouse",
            profile_mapping=PostgresUserPasswordProfileMapping(conn_id=WAREHOUSE_CONN_ID,
                                                               profile_args={"schema": "public"}),
        ),
        execution_config=ExecutionConfig(
            execution_mode=ExecutionMode.LOCAL,
            invocation_mode=InvocationMode.DBT_RUNNER,
            dbt_executable_path=str(Path(sys.executable).parent / "dbt"),
            dbt_project_path=project_dir,
        ),
        render_config=RenderConfig(load_method=LoadMode.DBT_MANIFEST, test_behavior=TestBehavior.BUILD,
                                   should_detach_multiple_parents_tests=True, emit_datasets=False),
        operator_args={
            "install_deps": False,
            "dbt_cmd_global_flags": ["--quiet"] if os.environ.get("RESETTLE_DBT_QUIET") == "1" else [],
        },
    )
