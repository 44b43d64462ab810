"""The watcher's model tasks, started and ended by the triggerer instead of worker processes.

In Cosmos's watcher mode one task runs `dbt build` and every model has a task that follows its node. Each of
those tasks starts on a worker, defers to the triggerer, and is handed back to a worker to finish: two task
processes per model, each doing nothing but wait for what the build reports. With a few dozen models that
is most of a month's run under the scheduler, and a task that defers and is woken within the same second
can be taken for a lost one and retried.

Here the scheduler hands each model task straight to the triggerer (`start_from_trigger`), where Cosmos's
own trigger watches the build and the task ends as the build reports its node:
* succeeded, or not selected by this run's plan: the task succeeds there;
* skipped by dbt (downstream of a failure), or never reached because the build itself failed or never ran:
  the task ends skipped there. The failure is the build's own task (and its one alert), not one per model;
* failed: the task goes to a worker, where Cosmos fails it naming the node (and the failure alert names it).
A retry starts in the triggerer too and reads the same build again: it never runs the model alone, without
its tests, as Cosmos's retry on a worker would.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

from cosmos.listeners.dag_run_listener import EventStatus
from cosmos.operators._watcher.state import ProducerTaskState
from cosmos.operators._watcher.triggerer import WatcherEventReason, WatcherTrigger

NEVER_RUN = frozenset({ProducerTaskState.UPSTREAM_FAILED.value, ProducerTaskState.REMOVED.value})
"""States of a build task that will not run in this DAG run (its plan failed, or it was removed)."""
NOT_BUILT = frozenset({WatcherEventReason.PRODUCER_FAILED, WatcherEventReason.PRODUCER_SKIPPED})
"""Why Cosmos reports a node the build never reached: the build failed, or was skipped."""
WATCH_TIMEOUT = dt.timedelta(hours=2)
"""As long as a build may run (build_marts' deadline): a model task still waiting then fails."""


class ModelOutcomeTrigger(WatcherTrigger):
    """Cosmos's watcher trigger, ending its task itself when the node succeeded or was not run.

    Started by the scheduler, it is created with the task's fixed arguments only; the run it watches is
    the one of the task instance the triggerer gives it.
    """

    def serialize(self) -> tuple[str, dict]:
        _, kwargs = super().serialize()
        return f"{__name__}.{type(self).__name__}", kwargs

    async def _log_startup_events(self) -> None:
        """Not repeated in every model's log: dbt's version and adapter are in the build's own log. (Cosmos
        asks for them until the build starts: one more call to the API server per model and poke.)"""
        return None

    async def _get_producer_task_status(self) -> str | None:
        """The producer's state; one that will never run (its plan failed) counts as failed, so the model's
        task ends now instead of waiting for the build until WATCH_TIMEOUT."""
        state = await self._producer_state()
        return ProducerTaskState.FAILED.value if state in NEVER_RUN else state

    async def _producer_state(self) -> str | None:
        """The build task's state as Airflow records it."""
        return await super()._get_producer_task_status()

    async def run(self) -> AsyncIterator:
        from airflow.triggers.base import TaskSkippedEvent, TaskSuccessEvent

        ti = self.task_instance
        if ti is not None:
            self.dag_id, self.run_id = ti.dag_id, ti.run_id
        async for event in super().run():
            status, reason = event.payload.get("status"), event.payload.get("reason")
            if status == EventStatus.SUCCESS:
                yield TaskSuccessEvent()
            elif status == EventStatus.SKIPPED or reason in NOT_BUILT:
                yield TaskSkippedEvent()
            else:
                yield event
            return


def start_in_triggerer(task, poke_interval: float) -> None:
    """Make one of the watcher's model tasks start in the triggerer (see the module's docstring)."""
    from airflow.triggers.base import StartTriggerArgs

    # A model's task follows its own node: dbt's outcome for it already says whether an upstream node failed.
    # Waiting for the upstream tasks would add a triggerer round trip per level of the lineage.
    task.trigger_rule = "always"
    task.start_from_trigger = True
    task.start_trigger_args = StartTriggerArgs(
        trigger_cls=f"{__name__}.{ModelOutcomeTrigger.__name__}",
        trigger_kwargs={
            "model_unique_id": task.model_unique_id,
            "producer_task_id": task.producer_task_id,
            "dag_id": task.dag_id,
            "run_id": "",
            "map_index": -1,  # the producer's XComs: it is not mapped
            "poke_interval": poke_interval,
            "is_test_sensor": task.is_test_sensor,
        },
        next_method="execute_complete",
        timeout=WATCH_TIMEOUT,
    )
