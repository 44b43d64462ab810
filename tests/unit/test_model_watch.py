"""The watcher's model tasks end in the triggerer from what the build reports of their node: success and
nodes the run did not select end there; a failed node goes to a worker, which fails the task naming it;
nodes the build skipped, or never reached because the build itself failed, end skipped (the build's own
task is the failure, and the one alert). The tasks of one run share one watch of the build's state."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest
from airflow.triggers.base import TaskSkippedEvent, TaskSuccessEvent, TriggerEvent

from resettle.airflow import model_watch
from resettle.airflow.model_watch import ModelOutcomeTrigger


def _watching(trigger_class, model: str = "household_resettlement", poke_interval: float = 0.01):
    return trigger_class(
        model_unique_id=f"model.resettle.{model}",
        producer_task_id="dbt.dbt_producer_watcher",
        dag_id="build_marts",
        run_id="",
        map_index=-1,
        poke_interval=poke_interval,
    )


def _reported(
    node: str | None,
    producer,
    model: str = "household_resettlement",
    poke_interval: float = 0.01,
    statuses: dict | None = None,
    own_reads: list | None = None,
):
    """The trigger with the build's reports given, instead of read from the run's XComs and task states
    (`producer`: the state, or a callable giving it at each read; `statuses`: the list of node statuses the
    build wrote when it ended, None as when dbt itself broke; `own_reads` notes each read of its own node)."""

    class Reported(ModelOutcomeTrigger):
        async def _node_status(self):
            if own_reads is not None:
                own_reads.append(self.model_unique_id)
            return node

        async def _node_statuses(self):
            return statuses

        async def _compiled_sql(self):
            return "select 1"

        async def _producer_state(self):
            return producer() if callable(producer) else producer

    return _watching(Reported, model, poke_interval)


def _in_run(trigger, run_id: str = "manual__1"):
    trigger.task_instance = SimpleNamespace(dag_id="build_marts", run_id=run_id, task_id="dbt.m", task=None)
    return trigger


async def _first_event(trigger):
    async for event in trigger.run():
        return event


def _outcome(node: str | None, producer: str | None):
    trigger = _in_run(_reported(node, producer))
    event = asyncio.run(asyncio.wait_for(_first_event(trigger), timeout=10))
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


@pytest.mark.parametrize("producer", ["running", "failed"])
def test_a_failed_node_goes_to_a_worker_that_fails_the_task_naming_it(producer):
    """Also once the build has failed because of it: the node's own report comes first."""
    event = _outcome("error", producer)
    assert type(event) is TriggerEvent and event.payload["status"] == "failed"
    assert event.payload["reason"] == "node_failed"
    assert event.payload["compiled_sql"] == "select 1"


def test_the_tasks_of_a_run_share_one_read_of_the_build_and_all_end_when_it_does(monkeypatch):
    """Forty model tasks waiting on a running build: one read of its state per poll for all of them, and
    every task ends as soon as the build has, long before its own next read of its node."""
    monkeypatch.setattr(model_watch, "BUILD_STATE_POLL_SECONDS", 0.05)
    reads = []

    def producer():
        reads.append(1)
        return "running" if len(reads) < 4 else "success"

    triggers = [_in_run(_reported(None, producer, f"m{i}", poke_interval=60)) for i in range(40)]

    async def all_events():
        return await asyncio.gather(*(_first_event(trigger) for trigger in triggers))

    events = asyncio.run(asyncio.wait_for(all_events(), timeout=5))
    assert all(type(event) is TaskSuccessEvent for event in events)  # not selected by the run's plan
    assert 4 <= len(reads) < 10, f"{len(reads)} reads of the build's state for 40 tasks"
    assert not model_watch.BuildWatch._runs, "the watch stops with the run's last task"


def test_runs_are_watched_apart():
    """A task of another run does not take this run's build state."""

    async def both():
        return await asyncio.gather(
            _first_event(_in_run(_reported(None, "success", "a"), "manual__1")),
            _first_event(_in_run(_reported(None, "failed", "b"), "manual__2")),
        )

    first, second = asyncio.run(asyncio.wait_for(both(), timeout=5))
    assert type(first) is TaskSuccessEvent and type(second) is TaskSkippedEvent


def test_when_the_build_ends_its_tasks_end_from_its_one_list_of_statuses(monkeypatch):
    """The ended build's node statuses are read once for all the tasks of the run, which end from it at
    once: a node it ran as reported, a node it did not run as not selected."""
    monkeypatch.setattr(model_watch, "BUILD_STATE_POLL_SECONDS", 0.05)
    reads = []

    def producer():
        reads.append(1)
        return "running" if len(reads) < 3 else "success"

    statuses = {"model__resettle__built_status": "success", "model__resettle__broken_status": "error"}
    own_reads: list[str] = []
    triggers = [
        _in_run(_reported(None, producer, m, 60, statuses=statuses, own_reads=own_reads))
        for m in ("built", "broken", "left_out")
    ]

    async def all_events():
        return await asyncio.gather(*(_first_event(trigger) for trigger in triggers))

    built, broken, left_out = asyncio.run(asyncio.wait_for(all_events(), timeout=5))
    assert type(built) is TaskSuccessEvent and type(left_out) is TaskSuccessEvent
    assert type(broken) is TriggerEvent and broken.payload["reason"] == "node_failed"
    assert len(own_reads) == len(triggers), "one read of its node each while the build ran, none after it"
