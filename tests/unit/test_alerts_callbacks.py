"""The Airflow side of alerts: a failed task or DAG run and a missed run deadline become one pipeline alert
each for the engineers; the callbacks never raise; the module DAG files import stays light."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import subprocess
import sys
from types import SimpleNamespace

import pytest

from resettle.airflow import callbacks
from tests.airflow_fakes import task_instance


def _task_context(map_index: int = -1) -> dict:
    ti = task_instance(
        "ingest_submissions",
        "ingest_file",
        run_id="scheduled__2026-10-26T01:00",
        try_number=3,
        log_url="http://localhost:8080/log",
        map_index=map_index,
    )
    return {
        "ti": ti,
        "task": object(),
        "dag_run": SimpleNamespace(dag_id="ingest_submissions"),
        "exception": RuntimeError("connection to server at 127.0.0.1 refused"),
    }


def test_a_failed_task_names_dag_task_run_and_error():
    condition = callbacks.failure_condition(_task_context(map_index=4))
    assert condition.key == "pipeline:failed:ingest_submissions:ingest_file[4]:scheduled__2026-10-26T01:00"
    assert condition.kind == "pipeline" and condition.roles == ("engineers",)
    assert condition.title_zh == "【流程故障】任务 ingest_submissions.ingest_file[4] 运行失败"
    assert "第3次尝试" in condition.message_zh and "refused" in condition.message_zh
    assert "http://localhost:8080/log" in condition.message_zh


def test_a_failed_dag_run_is_its_own_condition():
    context = {"dag": SimpleNamespace(dag_id="build_marts"), "run_id": "asset_triggered__x", "reason": "task_failure"}
    condition = callbacks.failure_condition(context)
    assert condition.key == "pipeline:failed:build_marts:dag:asset_triggered__x"
    assert "流程 build_marts" in condition.title_zh and "task_failure" in condition.message_zh


def test_the_failure_callback_never_raises(monkeypatch):
    def broken(condition):
        raise OSError("smtp down and warehouse down")

    monkeypatch.setattr(callbacks, "_send", broken)
    callbacks.notify_failure(_task_context())


def test_a_missed_deadline_sends_one_pipeline_alert(monkeypatch):
    sent = []
    monkeypatch.setattr(callbacks, "_send", sent.append)
    context = {
        "dag_run": {"dag_id": "build_marts", "run_id": "manual__1"},
        "deadline": {"id": "x", "deadline_time": dt.datetime(2026, 10, 26, 2, 0, tzinfo=dt.UTC)},
    }
    asyncio.run(callbacks.deadline_missed(context=context))
    [condition] = sent
    assert condition.key == "pipeline:deadline:build_marts:manual__1"
    assert condition.title_zh == "【流程超时】build_marts 未在规定时间内完成"
    assert "2026年10月26日 10:00" in condition.message_zh


def test_deadlines_are_attached_where_the_scheduler_reads_them(monkeypatch):
    monkeypatch.delenv("RESETTLE_DEADLINE_ALERTS", raising=False)
    monkeypatch.delenv("_AIRFLOW_PROCESS_CONTEXT", raising=False)
    assert callbacks.run_deadline(hours=1) is None, "in-process dag.test() cannot run a DAG with a deadline"
    monkeypatch.setenv("_AIRFLOW_PROCESS_CONTEXT", "client")
    assert callbacks.run_deadline(hours=1) is not None, "the DAG processor's parse"
    monkeypatch.setenv("RESETTLE_DEADLINE_ALERTS", "0")
    assert callbacks.run_deadline(hours=1) is None


def test_the_deadline_alert_serializes_with_an_importable_async_callback(monkeypatch):
    from airflow.sdk import DAG
    from airflow.serialization.serialized_objects import DagSerialization

    monkeypatch.setenv("RESETTLE_DEADLINE_ALERTS", "1")
    dag = DAG("probe_deadline", schedule=None, deadline=callbacks.run_deadline(hours=2))
    [alert] = DagSerialization.to_dict(dag)["dag"]["deadline"]
    assert alert["reference"] == {"reference_type": "DagRunQueuedAtDeadline"}
    assert alert["interval"]["__data__"] == 7200.0
    assert alert["callback"]["__data__"]["path"] == "resettle.airflow.callbacks.deadline_missed"
    assert asyncio.iscoroutinefunction(callbacks.deadline_missed)


@pytest.mark.parametrize("module", ["resettle.airflow.callbacks", "resettle.alerts"])
def test_importing_the_callbacks_loads_no_database_driver_or_airflow(module):
    probe = (
        f"import json, sys; import {module}\n"
        "print(json.dumps([m for m in ('psycopg', 'airflow', 'yaml', 'pandas') if m in sys.modules]))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []
