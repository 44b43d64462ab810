"""Airflow hooks into the alerts: a failure callback and a Deadline Alert for the DAGs to attach.

DAG files import this module at parse time, so it imports nothing beyond the standard library at the top;
the database, the channels and Airflow's deadline classes are imported when a callback actually runs (or,
for `run_deadline`, from airflow.sdk, which the DAG file has already loaded).

Both callbacks send a `pipeline` alert to the engineers. The alert is logged (and deduplicated) in the
warehouse when it is reachable; when it is not (often the very reason a task failed), it is still sent.
A callback never raises: a broken alert channel must not hide the failure it reports.
"""

from __future__ import annotations

import datetime as dt
import logging
import os

log = logging.getLogger("resettle.alerts")


def _connect():
    """The warehouse, or None if it cannot be reached quickly."""
    try:
        import psycopg

        from resettle.airflow.runtime import warehouse_url

        return psycopg.connect(warehouse_url(), autocommit=True, connect_timeout=5)
    except Exception as err:
        log.warning("alert log unavailable, sending without it: %s", err)
        return None


def _send(condition) -> dict | None:
    from resettle.alerts.engine import notify

    conn = _connect()
    try:
        return notify(conn, condition)
    finally:
        if conn is not None:
            conn.close()


def _get(obj, name: str, default=None):
    """A field of a context value that may be a dict, an object, or a property that cannot be computed here."""
    if obj is None:
        return default
    try:
        return obj.get(name, default) if isinstance(obj, dict) else getattr(obj, name, default)
    except Exception:
        return default


def failure_condition(context: dict):
    """The pipeline alert for a failed task (task-level callback) or DAG run (DAG-level callback)."""
    from resettle.alerts import messages
    from resettle.alerts.conditions import Condition, key

    ti = context.get("ti") or context.get("task_instance")
    dag_run = context.get("dag_run")
    dag_id = _get(ti, "dag_id") or _get(dag_run, "dag_id") or _get(context.get("dag"), "dag_id") or "unknown"
    run_id = _get(ti, "run_id") or _get(dag_run, "run_id") or context.get("run_id") or "unknown"
    is_task = context.get("reason") is None  # Airflow adds `reason` to DAG-level callback contexts only
    task_id = _get(ti, "task_id") if is_task else None
    map_index = _get(ti, "map_index", -1) if is_task else -1
    if task_id and map_index is not None and map_index >= 0:
        task_id = f"{task_id}[{map_index}]"
    error = context.get("exception") or context.get("reason")
    title, text = messages.task_failed(
        dag_id,
        task_id,
        run_id,
        _get(ti, "try_number") if is_task else None,
        str(error)[:500] if error else None,
        _get(ti, "log_url") if is_task else None,
    )
    return Condition(
        key("pipeline", "failed", dag_id, task_id or "dag", run_id),
        "pipeline",
        title,
        text,
        facts={"dag_id": dag_id, "task_id": task_id, "run_id": run_id},
    )


def notify_failure(context: dict) -> None:
    """`on_failure_callback` for tasks (via default_args) and DAGs: tell the engineers, once per failure."""
    try:
        _send(failure_condition(context))
    except Exception:
        log.exception("could not send the pipeline failure alert")


def deadline_condition(context: dict):
    from resettle.alerts import messages
    from resettle.alerts.conditions import Condition, key

    dag_run = context.get("dag_run") or {}
    deadline = context.get("deadline") or {}
    dag_id, run_id = _get(dag_run, "dag_id", "unknown"), _get(dag_run, "run_id", "unknown")
    moment = _get(deadline, "deadline_time")
    if isinstance(moment, dt.datetime):
        moment = messages.when(moment)
    title, text = messages.run_overdue(dag_id, run_id, str(moment) if moment else None)
    return Condition(
        key("pipeline", "deadline", dag_id, run_id), "pipeline", title, text, facts={"dag_id": dag_id, "run_id": run_id}
    )


async def deadline_missed(context: dict | None = None, **kwargs) -> None:
    """Deadline Alert callback (runs in the triggerer): a DAG run did not finish in time."""
    import asyncio

    try:
        await asyncio.to_thread(_send, deadline_condition(context or {}))
    except Exception:
        log.exception("could not send the deadline alert")


def deadlines_enabled() -> bool:
    """Whether DAGs carry their Deadline Alerts in this process.

    `RESETTLE_DEADLINE_ALERTS=1`/`0` decides; by default only when the DAG processor parses the file
    (Airflow marks its parsing process `_AIRFLOW_PROCESS_CONTEXT=client`), which is where the scheduler gets
    deadlines from. Not in an in-process `dag.test()` (`resettle run`): Airflow 3.3.2's `dag.test()` fails
    on any DAG with a deadline once the run succeeds (`DagRun.update_state` looks the alerts up by id, but
    `dag.test()` hands it the serialized dicts: "'dict' object has no attribute 'hex'").
    """
    setting = os.environ.get("RESETTLE_DEADLINE_ALERTS", "auto").strip().lower()
    if setting in ("1", "true", "yes", "on"):
        return True
    if setting in ("0", "false", "no", "off"):
        return False
    return os.environ.get("_AIRFLOW_PROCESS_CONTEXT") == "client"


def run_deadline(hours: float):
    """A Deadline Alert: the run must finish within `hours` of being queued, else the engineers are told
    (None where deadlines are disabled, see `deadlines_enabled`; `deadline=None` means no deadline)."""
    if not deadlines_enabled():
        return None
    from airflow.sdk import AsyncCallback, DeadlineAlert, DeadlineReference

    return DeadlineAlert(
        reference=DeadlineReference.DAGRUN_QUEUED_AT,
        interval=dt.timedelta(hours=hours),
        callback=AsyncCallback(deadline_missed),
        name="run_overdue",
    )
