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

The model tasks of a run share one watch of the build task's state (`BuildWatch`): the triggerer asks for it
twice a second for all of them, not once per task, and wakes every task as soon as it changes, the end of
the build above all. Between changes a task reads its own node's status every `poke_interval` seconds. Every
question goes through the triggerer's own API client, which runs its database loop again after each one:
one question per model task every two seconds took as much CPU as the build itself and slowed it by half.
When the build ends, the watch reads the one list of node statuses it wrote last, and every task ends from
it at once: read one by one, the statuses of a few dozen tasks straddled the triggerer's once-a-second
hand-over of finished triggers, and half the tasks ended a second later.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import ClassVar

from cosmos.listeners.dag_run_listener import EventStatus
from cosmos.operators._watcher.state import (
    ProducerTaskState,
    get_compiled_sql_xcom_key,
    get_status_xcom_key,
    is_dbt_node_status_failed,
    is_dbt_node_status_skipped,
    is_dbt_node_status_success,
)
from cosmos.operators._watcher.triggerer import WatcherEventReason, WatcherTrigger

NEVER_RUN = frozenset({ProducerTaskState.UPSTREAM_FAILED.value, ProducerTaskState.REMOVED.value})
"""States of a build task that will not run in this DAG run (its plan failed, or it was removed)."""
WATCH_TIMEOUT = dt.timedelta(hours=2)
"""As long as a build may run (build_marts' deadline): a model task still waiting then fails."""
BUILD_STATE_POLL_SECONDS = 0.5
"""How often the triggerer asks for a build task's state, once for all the model tasks of its run."""
NODE_STATUSES_XCOM_KEY = "dbt_node_statuses"
"""The build task's last XCom: every node status it wrote (status XCom key → status), read once when the
build has ended, so that its model tasks end together instead of reading their node's status one by one."""
ENDED = frozenset({ProducerTaskState.SUCCESS.value, ProducerTaskState.FAILED.value})
"""States of a build task that ran and ended: it has written its node statuses, unless dbt itself broke."""

log = logging.getLogger(__name__)


class BuildWatch:
    """The build task's state, read for all the model tasks of one run in this triggerer.

    One read per `BUILD_STATE_POLL_SECONDS` whatever the number of tasks; a change wakes every task waiting
    in `changed`. Once the build has ended, its node statuses are read, once, before the tasks are woken
    (`statuses`; None while it runs, or if it wrote none). Its reads stop when the last task of the run leaves.
    """

    _runs: ClassVar[dict[tuple, BuildWatch]] = {}

    def __init__(
        self, read: Callable[[], Awaitable[str | None]], read_statuses: Callable[[], Awaitable[dict | None]]
    ) -> None:
        self._read = read
        self._read_statuses = read_statuses
        self.state: str | None = None
        self.statuses: dict | None = None
        self._read_once = asyncio.Event()
        self._change = asyncio.Event()
        self._members = 0
        self._poller: asyncio.Task | None = None

    @classmethod
    @contextlib.asynccontextmanager
    async def joined(
        cls,
        run: tuple,
        read: Callable[[], Awaitable[str | None]],
        read_statuses: Callable[[], Awaitable[dict | None]],
    ) -> AsyncIterator[BuildWatch]:
        """The run's watch, started by its first task; `state` has been read at least once on entry."""
        watch = cls._runs.get(run)
        if watch is None:
            watch = cls._runs[run] = cls(read, read_statuses)
            watch._poller = asyncio.create_task(watch._poll())
        watch._members += 1
        try:
            await watch._read_once.wait()
            yield watch
        finally:
            watch._members -= 1
            if not watch._members:
                cls._runs.pop(run, None)
                if watch._poller is not None:
                    watch._poller.cancel()

    async def _poll(self) -> None:
        while True:
            try:
                state = await self._read()
            except Exception:  # asked again next time; the task's WATCH_TIMEOUT bounds the wait
                log.warning("reading the build task's state failed", exc_info=True)
            else:
                if state != self.state or not self._read_once.is_set():
                    if state in ENDED:
                        self.statuses = await self._ended_build_statuses()
                    self.state = state
                    self._read_once.set()
                    self._change.set()
                    self._change = asyncio.Event()
            await asyncio.sleep(BUILD_STATE_POLL_SECONDS)

    async def _ended_build_statuses(self) -> dict | None:
        try:
            statuses = await self._read_statuses()
        except Exception:  # each task then reads its own node's status
            log.warning("reading the ended build's node statuses failed", exc_info=True)
            return None
        return statuses if isinstance(statuses, dict) else None

    async def changed(self, timeout: float) -> None:
        """Return when the state changes, or after `timeout` seconds."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._change.wait(), timeout)


class ModelOutcomeTrigger(WatcherTrigger):
    """Cosmos's watcher trigger, ending its task itself when the node succeeded or was not run.

    Started by the scheduler, it is created with the task's fixed arguments only; the run it watches is
    the one of the task instance the triggerer gives it. It decides as Cosmos's trigger does, from the
    run's `BuildWatch` instead of a read of the build's state per task and poke.
    """

    def serialize(self) -> tuple[str, dict]:
        _, kwargs = super().serialize()
        return f"{__name__}.{type(self).__name__}", kwargs

    async def _get_producer_task_status(self) -> str | None:
        """The producer's state; one that will never run (its plan failed) counts as failed, so the model's
        task ends now instead of waiting for the build until WATCH_TIMEOUT."""
        state = await self._producer_state()
        return ProducerTaskState.FAILED.value if state in NEVER_RUN else state

    async def _producer_state(self) -> str | None:
        """The build task's state as Airflow records it."""
        return await super()._get_producer_task_status()

    async def _node_status(self) -> str | None:
        """What the build reported of this task's node, if anything yet (Cosmos's read, without its log line
        per read)."""
        report = await self.get_xcom_val_af3(get_status_xcom_key(self.model_unique_id))
        return report.get("status") if report else None

    async def _node_statuses(self) -> dict | None:
        """Every node status the ended build wrote (`NODE_STATUSES_XCOM_KEY`)."""
        return await self.get_xcom_val_af3(NODE_STATUSES_XCOM_KEY)

    async def _compiled_sql(self) -> str | None:
        return await self.get_xcom_val_af3(get_compiled_sql_xcom_key(self.model_unique_id))

    async def run(self) -> AsyncIterator:
        from airflow.triggers.base import TaskSkippedEvent, TaskSuccessEvent, TriggerEvent

        ti = self.task_instance
        if ti is not None:
            self.dag_id, self.run_id = ti.dag_id, ti.run_id
        run = (self.dag_id, self.run_id, self.producer_task_id, self.map_index)
        async with BuildWatch.joined(run, self._get_producer_task_status, self._node_statuses) as build:
            while True:
                # The build's state is read before the node's status: a build that had ended then had
                # reported every node it ran, so no status then means the node was not run.
                producer, statuses = build.state, build.statuses
                if statuses is not None:
                    node = statuses.get(get_status_xcom_key(self.model_unique_id))
                else:
                    node = await self._node_status()
                if is_dbt_node_status_success(node):
                    yield TaskSuccessEvent()
                elif is_dbt_node_status_skipped(node):
                    yield TaskSkippedEvent()
                elif is_dbt_node_status_failed(node):
                    failed = {"status": EventStatus.FAILED, "reason": WatcherEventReason.NODE_FAILED}
                    compiled_sql = await self._compiled_sql()
                    yield TriggerEvent({**failed, **({"compiled_sql": compiled_sql} if compiled_sql else {})})
                elif producer in (ProducerTaskState.FAILED.value, ProducerTaskState.SKIPPED.value):
                    yield TaskSkippedEvent()  # the build never reached the node: its own task is the failure
                elif producer == ProducerTaskState.SUCCESS.value:
                    yield TaskSuccessEvent()  # not selected by this run's plan
                else:
                    await build.changed(self.poke_interval)
                    continue
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
