"""What the DAGs need from Airflow at run time, kept out of the DAG files.

The warehouse is the Airflow connection `resettle_warehouse` (AIRFLOW_CONN_RESETTLE_WAREHOUSE in the
embedded setup, the secrets backend in production); it is looked up inside tasks, never at parse time.
"""

from __future__ import annotations

import datetime as dt

from airflow.secrets import BaseSecretsBackend

from resettle.config import WAREHOUSE_CONN_ID

DEFAULT_ARGS = {"owner": "data-eng", "retries": 1, "retry_delay": dt.timedelta(seconds=30)}


def warehouse_url() -> str:
    """The warehouse connection as a libpq URL."""
    from airflow.sdk import BaseHook

    conn = BaseHook.get_connection(WAREHOUSE_CONN_ID)
    uri = conn.get_uri()
    return "postgresql://" + uri.split("://", 1)[1] if "://" in uri else uri


def announce_updates(outlet_events, outcomes: list[dict]) -> list[str]:
    """Emit an Asset event for each dataset that received new accepted data in this run."""
    from resettle.assets import RAW_UPDATES, raw_asset
    from resettle.pipeline import updated_datasets

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

    from resettle.config import settings
    from resettle.transform import manifest_path

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


class FileSecretsBackend(BaseSecretsBackend):
    """Airflow connections of a deployment, read from the secrets it was handed, never from the image.

    Set as `AIRFLOW__SECRETS__BACKEND=resettle.orchestration.FileSecretsBackend`. `resettle_warehouse` is the
    warehouse resettle itself is configured with (RESETTLE_WAREHOUSE_URL plus RESETTLE_WAREHOUSE_PASSWORD_FILE),
    so Airflow and the `resettle` command can never disagree on it; any other connection `<id>` is the URI
    (or JSON) in the file `AIRFLOW_CONN_<ID>_FILE` names. An empty file means "not configured" (an alert
    channel left out is skipped); Airflow's own environment variables and metadata database come after.
    """

    def get_conn_value(self, conn_id: str, team_name: str | None = None) -> str | None:
        import os
        from pathlib import Path

        from resettle.config import ConfigError, settings

        if conn_id == WAREHOUSE_CONN_ID:
            return settings().warehouse_url
        path = os.environ.get(f"AIRFLOW_CONN_{conn_id.upper()}_FILE")
        if not path:
            return None
        try:
            value = Path(path).read_text().strip()
        except OSError as err:
            raise ConfigError(f"AIRFLOW_CONN_{conn_id.upper()}_FILE: cannot read {path} "
                              f"({err.strerror or err})") from None
        return value or None

    def get_variable(self, key: str, team_name: str | None = None) -> str | None:
        return None
