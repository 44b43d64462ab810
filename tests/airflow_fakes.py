"""Stand-ins for what Airflow hands the failure callbacks, so that they can be called without a scheduler."""

from __future__ import annotations

from types import SimpleNamespace


def task_instance(
    dag_id: str, task_id: str, *, run_id: str, try_number: int, log_url: str | None = None, map_index: int = -1
) -> SimpleNamespace:
    """A failed task's `ti`: only the attributes the callbacks read (`map_index` -1: not a mapped task)."""
    return SimpleNamespace(
        dag_id=dag_id, task_id=task_id, run_id=run_id, map_index=map_index, try_number=try_number, log_url=log_url
    )
