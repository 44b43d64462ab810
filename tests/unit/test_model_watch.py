"""The watcher's model tasks end in the triggerer from what the build reports of their node: success and
nodes the run did not select end there; a failed node goes to a worker, which fails the task naming it;
nodes the build skipped, or never reached because the build itself failed, end skipped (the build's own
task is the failure, and the one alert)."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest
from airflow.triggers.base import TaskSkippedEvent, TaskSuccessEvent, TriggerEvent

from resettle.airflow.model_watch import ModelOutcomeTrigger


def _reported(node: str | None, producer: str | None):
    """The trigger with the build's reports given, instead of read from the run's XComs and task states."""

    class Reported(ModelOutcomeTrigger):
        async def _parse_dbt_node_status_and_compiled_sql(self):
            return node, None

        async def _producer_state(self):
            return producer

    return Reported(
        model_unique_id="model.resettle.household_resettlement",
        producer_task_id="dbt.dbt_producer_watcher",
        dag_id="build_marts",
        run_id="",
        map_index=-1,
        poke_interval=0.01,
    )


def _outcome(node: str | None, producer: str | None):
    trigger = _reported(node, producer)
    trigger.task_instance = SimpleNamespace(dag_id="build_marts", run_id="manual__1", task_id="dbt.m", task=None)

    async def first():
        async for event in trigger.run():
            return event

    event = asyncio.run(asyncio.wait_for(first(), timeout=10))
    assert trigger.run_id == "manual__1", "the run watched is the task instance's"
    return event


@pytest.mark.parametrize(
    ("node", "producer", "ends"),
    [
        ("success", "running", TaskSuccessEvent),
        (None, "success", TaskSuccessEvent),  # not selected by this run's plan
        ("skipped", "running", TaskSkippedEvent),
        (None, "failed", TaskSkippedEvent),
        (None, "upstream_failed", TaskSkippedEvent),  # the plan failed: the build never ran
    ],
)
def test_a_model_task_ends_in_the_triggerer(node, producer, ends):
    assert type(_outcome(node, producer)) is ends


def test_a_failed_node_goes_to_a_worker_that_fails_the_task_naming_it():
    event = _outcome("error", "running")
    assert type(event) is TriggerEvent and event.payload["status"] == "failed"
    assert event.payload["reason"] == "node_failed"
