"""What the DAGs need from Airflow at run time, kept out of the DAG files.

The warehouse is the Airflow connection `resettle_warehouse` (AIRFLOW_CONN_RESETTLE_WAREHOUSE in the
embedded setup, the secrets backend in production); it is looked up inside tasks, never at parse time.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Collection, Sequence

from resettle.airflow.callbacks import notify_failure, run_deadline
from resettle.domain.config import WAREHOUSE_CONN_ID

DEFAULT_ARGS = {"owner": "data-eng", "retries": 1, "retry_delay": dt.timedelta(seconds=30)}


def dag_settings(doc: str | None, tags: list[str], deadline_hours: float | None = None) -> dict:
    """What every DAG declares alike: one run at a time and no catch-up, its module docstring as its page,
    the default args with a failed task alerting the engineers, and (with `deadline_hours`) a run that is not
    finished that long after it was queued alerting them too."""
    declared = {
        "catchup": False,
        "max_active_runs": 1,
        "tags": tags,
        "doc_md": doc,
        "default_args": {**DEFAULT_ARGS, "on_failure_callback": notify_failure},
    }
    if deadline_hours is not None:
        declared["deadline"] = run_deadline(hours=deadline_hours)
    return declared


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


DBT_THREADS = 4
WATCH_POKE_SECONDS = 10
"""How often a model's task under the scheduler reads whether the build has reported its node. The end of the
build wakes every task at once (`resettle.airflow.model_watch.BuildWatch`), so this bounds only how late a
task turns green while the build is still running; each read costs the triggerer, beside the build."""
PLAN_TASK_ID = "plan_dbt_build"
# dbt unit tests check the models' SQL on fixed inputs, not the data: they run with the test suite and
# `resettle dbt build`, where the SQL changes, and are left out of the pipeline's builds (dbt's advice).
PIPELINE_EXCLUDE = "resource_type:unit_test"
EXCLUDE_XCOM_KEY = "exclude"
INDIRECT_SELECTION = ("--indirect-selection", "empty")
"""A node left out of a build (`--exclude`) keeps its tests in it: a view left as it is still has its tests
run on the new month. (dbt's default would leave them out with it; the selections, all `node+`, already
reach every test below what they select.)"""
_LINEAGE_NOTICE = "To enable emitting Openlineage events"


def in_process() -> bool:
    """True when the DAGs run one task at a time in this process (`dag.test()`: `resettle run`, tests)."""
    import os

    return os.environ.get("RESETTLE_IN_PROCESS") == "1"


class _NoLineageNotice:
    """The platform emits no OpenLineage events (`[openlineage] disabled`); Cosmos's notice that the provider
    is not installed says nothing to the people who read these logs, so it is filtered from its logger."""

    def filter(self, record) -> bool:
        return not str(record.msg).startswith(_LINEAGE_NOTICE)


def quiet_lineage_notice() -> None:
    """Install the filter above (before Cosmos is imported: the notice is logged at its import)."""
    import logging

    logger = logging.getLogger("cosmos.operators.local")
    if not any(isinstance(f, _NoLineageNotice) for f in logger.filters):
        logger.addFilter(_NoLineageNotice())


quiet_lineage_notice()


def dbt_selection(
    datasets: list[str] | None, relations_missing: bool, stale_seeds: Sequence[str] = (), manifest: dict | None = None
) -> str:
    """What one `dbt build` of a run selects, from the raw datasets that received newly accepted data.

    Every node downstream of those raw tables (the monthly marts among them rebuild, through
    `periods_to_build`, the new month and any month corrected since it was built), the
    register's reporting marts (every run registers files, and lateness moves with the clock) and any seed
    a release changed (`stale_seeds`), with everything downstream of it: reloading a seed drops the views
    on it. With no dataset (`[]`: a run that accepted nothing new), the register's marts and stale seeds alone.
    Without a list (None: a manual or scheduled run) or on a warehouse that lacks some model, the whole
    project. Views downstream of a raw table are selected with it (and their tests run on the new month);
    `views_left_as_they_are` says which of them the build need not create again.
    The manifest is read when not given.
    """
    from resettle.warehouse.dbt_runner import read_manifest

    if datasets is None or relations_missing:
        return "package:resettle"
    chosen: list[str] = []
    if datasets:
        sources = (manifest or read_manifest())["sources"].values()
        by_table = {s["name"]: f"source:{s['source_name']}.{s['name']}+" for s in sources if s["schema"] == "raw"}
        chosen = [by_table[d] for d in sorted(set(datasets)) if d in by_table]
    # Each selector takes every descendant (`+`): a view or table being replaced drops the views built on it
    # (PostgreSQL's cascade), so whatever is rebuilt must bring everything downstream of it along. The
    # register's own view is not rebuilt: it reads `ops.submission` as it is.
    register = ["int_expected_submissions+", "submission_files+"]
    return " ".join([*chosen, *register, *(f"{seed}+" for seed in stale_seeds)])


def views_left_as_they_are(selection: str, current: Collection[str], manifest: dict) -> list[str]:
    """The views of a build's selection (as `dbt_selection` writes it) that the build need not create again:
    views of the current release (`current_views`) with nothing upstream that the build replaces.

    A view's rows follow its tables without it being created again; only a change of its SQL needs that, and
    a view of the current release has the SQL of the project as it is. The build does replace, and drop with
    every view built on it (PostgreSQL's cascade), each table model and seed it builds and each view it
    creates again: the views downstream of those are created again whatever their release. The tests of a
    view left as it is still run. A whole-project build, or a selector this does not read, leaves nothing out.
    """
    nodes, sources, children = manifest["nodes"], manifest["sources"], manifest["child_map"]
    if not current or selection.split() == ["package:resettle"]:
        return []
    by_name = {n["name"]: uid for uid, n in nodes.items() if n["resource_type"] in ("model", "seed", "snapshot")}
    by_source = {f"source:{s['source_name']}.{s['name']}": uid for uid, s in sources.items()}
    roots = []
    for selector in selection.split():
        name = selector.removesuffix("+")
        if not selector.endswith("+") or (name not in by_name and name not in by_source):
            return []
        roots.append(by_source.get(name) or by_name[name])

    def downstream(starts: Collection[str], keep=lambda uid: True) -> set[str]:
        reached: set[str] = set()
        stack = [child for start in starts for child in children.get(start, [])]
        while stack:
            uid = stack.pop()
            if uid not in reached and keep(uid):
                reached.add(uid)
                stack.extend(children.get(uid, []))
        return reached

    def materialized(uid: str) -> str | None:
        node = nodes.get(uid) or {}
        return node.get("config", {}).get("materialized") if node.get("resource_type") == "model" else None

    selected = set(roots) | downstream(roots)
    replaced = [
        uid
        for uid in selected
        if uid.startswith("seed.")
        or materialized(uid) == "table"
        or (materialized(uid) == "view" and nodes[uid]["name"] not in current)
    ]
    created_again = downstream(replaced, keep=lambda uid: uid in selected and materialized(uid) == "view")
    return sorted(
        nodes[uid]["name"]
        for uid in selected
        if materialized(uid) == "view" and nodes[uid]["name"] in current and uid not in created_again
    )


def plan_dbt_build(context: dict, url: str) -> str:
    """The selection of this run's `dbt build`: datasets from the Asset events that triggered it, or from
    `datasets` in the run's conf (`resettle run` passes what its ingestion accepted, maybe nothing); a run
    with neither (triggered by hand) builds the whole project. What the build leaves out (`PIPELINE_EXCLUDE`
    and the views it need not create again, `views_left_as_they_are`) goes to XCom as `exclude`."""
    from resettle.warehouse.dbt_runner import missing_relations, read_manifest, stale_seeds

    names = [getattr(asset, "name", "") or "" for asset in context.get("triggering_asset_events") or {}]
    announced = [name[len("raw.") :] for name in names if name.startswith("raw.")]
    conf = getattr(context.get("dag_run"), "conf", None) or {}
    given = bool(announced) or "datasets" in conf
    datasets = [*announced, *(conf.get("datasets") or [])] if given else None
    manifest = read_manifest()  # once for the questions below
    selection = dbt_selection(
        datasets, bool(missing_relations(url, manifest)), stale_seeds(url, manifest), manifest=manifest
    )
    context["ti"].xcom_push(key=EXCLUDE_XCOM_KEY, value=dbt_exclusion(selection, url, manifest))
    return selection


def dbt_exclusion(selection: str, url: str, manifest: dict) -> str:
    """What a build of `selection` leaves out (`--exclude`, with `INDIRECT_SELECTION`): dbt's unit tests
    (`PIPELINE_EXCLUDE`) and the views it need not create again (`views_left_as_they_are`)."""
    from resettle.warehouse.dbt_runner import current_views

    return " ".join([PIPELINE_EXCLUDE, *views_left_as_they_are(selection, current_views(url, manifest), manifest)])


def dbt_task_group(group_id: str = "dbt"):
    """The dbt project as Airflow tasks (Cosmos, watcher mode), rendered from the pre-built manifest.

    Rendering reads the pre-built manifest only (its cut for Airflow, `manifest_for_rendering`): no dbt
    call and no database at parse time.
    One task (`dbt_producer_watcher`) runs a single `dbt build` with dbt threads over what
    `plan_dbt_build` selected, tests included; every model and snapshot has a task that follows its node in
    that build, so the graph shows each model's outcome. A failing test fails the build, and dbt skips
    everything downstream of the model it tests: those models' tasks end skipped. Under the scheduler the
    model tasks start and end in the triggerer, all from the start of the run, without a worker process
    (`resettle.airflow.model_watch`). Seeds, which the build loads, and tests have no task of their own: a
    seed's task could only be an empty placeholder (a tenth of an in-process run's tasks), and tests would
    double the group; a seed or test that fails fails the build's task. Nodes the run did not select
    succeed as not run. In-process runs (`dag.test()` runs one task at a time) put the build
    before the tasks watching it, which then succeed when it did (`_follow_the_finished_build`); `resettle run`
    marks them so without running them (`followers_of_the_build`).
    dbt's unit tests are not part of it (`PIPELINE_EXCLUDE`).
    """
    import os

    from cosmos import DbtTaskGroup
    from cosmos.constants import PRODUCER_WATCHER_TASK_ID, ExecutionMode, SeedRenderingBehavior, TestBehavior

    from resettle.domain.config import settings

    project_dir = settings().dbt_project_dir
    if os.environ.get("RESETTLE_DBT_EXECUTION") == "local":
        return _local_task_group(group_id, project_dir)
    group = DbtTaskGroup(
        group_id=group_id,
        **_cosmos_args(
            project_dir,
            ExecutionMode.WATCHER,
            TestBehavior.NONE,
            profile_args={"threads": DBT_THREADS},
            detach_tests=False,
            seeds=SeedRenderingBehavior.NONE,
            # The build runs in a throwaway copy of the project: its manifest.json and run_results.json would
            # be written for nobody (the run is logged in ops.dbt_invocation; partial parsing keeps its cache).
            global_flags=["--no-write-json"],
            operator_args={"poke_interval": WATCH_POKE_SECONDS},
        ),
    )
    producer = group.children[f"{group_id}.{PRODUCER_WATCHER_TASK_ID}"]
    producer.select = f"{{{{ ti.xcom_pull(task_ids='{PLAN_TASK_ID}') or 'package:resettle' }}}}"
    producer.exclude = (
        f"{{{{ ti.xcom_pull(task_ids='{PLAN_TASK_ID}', key='{EXCLUDE_XCOM_KEY}') or '{PIPELINE_EXCLUDE}' }}}}"
    )
    producer.dbt_cmd_flags = [*_with_tests(producer.dbt_cmd_flags), *INDIRECT_SELECTION]
    _parse_events_beside_the_build(producer)
    from cosmos.operators._watcher.base import BaseConsumerSensor

    if in_process():
        tasks = list(group.iter_tasks())
        ids = {t.task_id for t in tasks}
        for task in tasks:
            if task is not producer and not task.upstream_task_ids & ids:
                producer >> task
            if isinstance(task, BaseConsumerSensor):
                _follow_the_finished_build(task)
    else:
        from resettle.airflow.model_watch import start_in_triggerer

        for task in group.iter_tasks():
            if isinstance(task, BaseConsumerSensor):
                start_in_triggerer(task, WATCH_POKE_SECONDS)
    return group


def _follow_the_finished_build(task) -> None:
    """In-process, a model's task runs after the build and only when it succeeded (`all_success` below it),
    so every node the build ran succeeded and the rest were not selected: the task succeeds on its first
    run. Cosmos's sensor would read its node's XCom, find none for a node the plan left out (an error line
    in the run's output) and defer to a trigger run in line, which `dag.test()` follows with a second run
    of the task: about a quarter of a second per model left out."""
    task.deferrable = False
    task.poke = _the_build_succeeded


def _the_build_succeeded(context) -> bool:
    return True


def followers_of_the_build(dag) -> str:
    """The ids of the tasks following the build's nodes, as the `mark_success_pattern` of an in-process
    `dag.test()`: scheduled only once the build has succeeded, each would succeed on its first run anyway
    (`_follow_the_finished_build`), so the run marks them succeeded instead of running ~60 tasks of
    nothing (about 3 s of a 3,000-household month). A build that failed leaves them `upstream_failed`."""
    import re

    from cosmos.operators._watcher.base import BaseConsumerSensor

    ids = sorted(t.task_id for t in dag.tasks if isinstance(t, BaseConsumerSensor))
    return "|".join(re.escape(task_id) for task_id in ids) or "(?!)"


def _with_tests(flags: list[str] | None) -> list[str]:
    """The build's flags without the `--resource-type` filter Cosmos adds when tests have no task of their
    own (models, seeds and snapshots only): here the tests run in the one build, before what reads the
    models they test, so that a mart built on data failing them is never published."""
    kept: list[str] = []
    remaining = iter(flags or [])
    for flag in remaining:
        if flag == "--resource-type":
            next(remaining, None)  # its value
        else:
            kept.append(flag)
    return kept


def _parse_events_beside_the_build(producer) -> None:
    """The producer records dbt's node events (XCom writes through the API server, log lines) on a thread of
    its own, in the order dbt fires them, instead of in the dbt thread that fired each one.

    dbt calls an event's callback in the thread running the node, so every write held up one of the build's
    two threads (a monthly build's few seconds of XCom round trips). The writes are done, and the first
    error of any is raised, before dbt's command returns: the producer then marks itself completed, as before.
    Last, every node status written goes again into one XCom (`NODE_STATUSES_XCOM_KEY`), from which the
    model tasks waiting in the triggerer all end at once when the build ends (`resettle.airflow.model_watch`).
    """
    make_parse_callable = _finished_events_only(producer._make_parse_callable)
    run_dbt_runner = producer.run_dbt_runner
    writers: list[_EventWriter] = []
    statuses: dict[str, str] = {}

    def make():
        writer = _EventWriter(make_parse_callable(), statuses, write_xcom=not in_process())
        writers.append(writer)
        return writer

    def run(*args, **kwargs):
        from resettle.warehouse.dbt_connections import keep_connections_open
        from resettle.warehouse.dbt_overhead import skip_unread_work

        keep_connections_open()  # one connection per dbt thread for the whole build, not one per node
        skip_unread_work()  # no log line formatted for nobody, no new column types per result
        statuses.clear()
        try:
            result = run_dbt_runner(*args, **kwargs)
        except BaseException:
            while writers:
                writers.pop().close(raise_error=False)
            raise
        while writers:
            writers.pop().close()
        ti = (kwargs.get("context") or {}).get("ti")
        if ti is not None:
            from resettle.airflow.model_watch import NODE_STATUSES_XCOM_KEY

            ti.xcom_push(key=NODE_STATUSES_XCOM_KEY, value=dict(statuses))
        _note_created_views(result)
        return result

    producer._make_parse_callable = make
    producer.run_dbt_runner = run


def _note_created_views(result) -> None:
    """Note the views the build created under the project's release, so that the next build may leave them as
    they are (`views_left_as_they_are`). Not noted, they are only created again next time."""
    from resettle.warehouse.dbt_runner import created_views, record_views

    try:
        results = getattr(getattr(result, "result", None), "results", None)
        record_views(warehouse_url(), created_views(results))
    except Exception:
        logging.getLogger(__name__).warning("the views this build created were not noted", exc_info=True)


class _EventWriter:
    """A parser of dbt's events that parses them on a thread of its own, in the order it is called with them;
    `close` waits for the last one. Each node status it writes to XCom is also noted in `statuses`
    (XCom key → status). With `write_xcom` false, statuses are noted and no XCom is written: in-process, no
    task reads them (`_follow_the_finished_build`), and each write is a round trip through the in-process API
    server that the dbt threads hold up (the last ones were written about half a second after the build)."""

    def __init__(self, parse, statuses: dict[str, str], write_xcom: bool = True) -> None:
        import queue
        import threading

        self._parse = parse
        self._statuses = statuses
        self._write_xcom = write_xcom
        self._events: queue.SimpleQueue = queue.SimpleQueue()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._work, name="dbt-events", daemon=True)
        self._thread.start()

    def __call__(self, line: str, extra_kwargs) -> None:
        context = (extra_kwargs or {}).get("context")
        if context and context.get("ti") is not None:
            ti = _NotingStatuses(context["ti"], self._statuses, write=self._write_xcom)
            extra_kwargs = {**extra_kwargs, "context": {**context, "ti": ti}}
        self._events.put((line, extra_kwargs))

    def _work(self) -> None:
        while (event := self._events.get()) is not None:
            try:
                self._parse(*event)
            except Exception as error:  # the first is raised in close(), in the producer's thread
                logging.getLogger(__name__).exception("recording a dbt event failed")
                self._error = self._error or error

    def close(self, raise_error: bool = True) -> None:
        self._events.put(None)
        self._thread.join()
        if raise_error and self._error is not None:
            raise self._error


COSMOS_FILE_LOG_FLAGS = ("--log-level-file", "none")
"""Cosmos runs dbt in a temporary copy of the project without its `logs` folder, so dbt's log file would be
written into a folder deleted after the task; the run is logged in `ops.dbt_invocation` and the task's log.
dbt renders every event, the queries of every node included, as a JSON line before its level is checked:
about a tenth of a monthly build's dbt threads went to a file nobody could read."""


SUPERSEDED_NODE_EVENTS = frozenset({"NodeStart", "NodeCompiling", "NodeExecuting"})
"""dbt's events for a node before it finishes: Cosmos stores each as the node's event in XCom, where the
node's `NodeFinished` overwrites it."""


UNWATCHED_RESOURCE_TYPES = frozenset({"test", "seed"})
"""dbt nodes the build runs without a task of their own in the group (see `dbt_task_group`)."""


def _finished_events_only(make_parse_callable):
    """The producer's dbt-event parser without the XCom writes no watcher reads.

    Every XCom write of the producer goes through one lock and the API server, and the build is not over
    until the last is written: three of the four node events are overwritten by the fourth, no task
    watches a test or a seed (neither a test's own event nor its model's tests' summary is read), and a
    node's event (its times and dbt's message) is read only where its task ends on a worker, which a
    succeeded node's task never does under the scheduler. Statuses, compiled SQL and the log lines of
    models and snapshots, and the event of one that did not succeed, are written as before.
    """
    import functools
    import json

    from cosmos.operators._watcher.state import get_dbt_event_xcom_key

    @functools.wraps(make_parse_callable)
    def make():
        parse = make_parse_callable()

        def parse_event(line: str, extra_kwargs) -> None:
            if '"node_info"' not in line:  # most of dbt's events: nothing of a node to skip
                return parse(line, extra_kwargs)
            try:
                event = json.loads(line)
            except ValueError:
                return parse(line, extra_kwargs)
            if event.get("info", {}).get("name") in SUPERSEDED_NODE_EVENTS:
                return None
            node = (event.get("data") or {}).get("node_info") or {}
            context = (extra_kwargs or {}).get("context")
            if context and context.get("ti") is not None:
                if node.get("resource_type") in UNWATCHED_RESOURCE_TYPES:
                    withheld = _NoXCom(context["ti"])
                elif node.get("node_status") == "success" and node.get("unique_id"):
                    withheld = _NoXCom(context["ti"], get_dbt_event_xcom_key(node["unique_id"]))
                else:
                    withheld = context["ti"]
                extra_kwargs = {**extra_kwargs, "context": {**context, "ti": withheld}}
            return parse(line, extra_kwargs)

        return parse_event

    return make


class _NoXCom:
    """A task instance that writes no XCom (with `key`: none under that key); everything else goes to the
    real one."""

    def __init__(self, ti, key: str | None = None):
        self._ti = ti
        self._key = key

    def xcom_push(self, key: str, *args, **kwargs) -> None:
        if self._key is not None and key != self._key:
            return self._ti.xcom_push(key, *args, **kwargs)
        return None

    def __getattr__(self, name: str):
        return getattr(self._ti, name)


class _NotingStatuses:
    """A task instance noting each node status pushed to XCom (Cosmos's `*_status` keys, a dict with the
    node's `status`) and, unless `write` is false, writing it and every other XCom pushed through it."""

    def __init__(self, ti, statuses: dict[str, str], write: bool = True):
        self._ti = ti
        self._statuses = statuses
        self._write = write

    def xcom_push(self, key: str, value=None, *args, **kwargs) -> None:
        if key.endswith("_status") and isinstance(value, dict) and "status" in value:
            status = value["status"]
            self._statuses[key] = str(getattr(status, "value", status))
        if self._write:
            return self._ti.xcom_push(key, value, *args, **kwargs)
        return None

    def __getattr__(self, name: str):
        return getattr(self._ti, name)


def _local_task_group(group_id: str, project_dir):
    """The former layout, one `dbt build` per node (`RESETTLE_DBT_EXECUTION=local`): kept to measure against."""
    from cosmos import DbtTaskGroup
    from cosmos.constants import ExecutionMode, TestBehavior

    return DbtTaskGroup(
        group_id=group_id,
        **_cosmos_args(project_dir, ExecutionMode.LOCAL, TestBehavior.BUILD, profile_args={}, detach_tests=True),
    )


def _cosmos_args(
    project_dir,
    mode,
    test_behavior,
    *,
    profile_args: dict,
    detach_tests: bool,
    seeds=None,
    global_flags: list[str] | None = None,
    operator_args: dict | None = None,
) -> dict:
    """What both task-group layouts share: the manifest, the warehouse profile, dbt in this interpreter."""
    import os
    import sys
    from pathlib import Path

    from cosmos import ExecutionConfig, ProfileConfig, ProjectConfig, RenderConfig
    from cosmos.constants import InvocationMode, LoadMode
    from cosmos.dbt.executable import get_system_dbt
    from cosmos.profiles import PostgresUserPasswordProfileMapping

    from resettle.warehouse.dbt_runner import manifest_for_rendering

    return {
        "project_config": ProjectConfig(manifest_path=manifest_for_rendering(), project_name="resettle"),
        "profile_config": ProfileConfig(
            profile_name="resettle",
            target_name="warehouse",
            profile_mapping=PostgresUserPasswordProfileMapping(
                conn_id=WAREHOUSE_CONN_ID, profile_args={"schema": "public", **profile_args}
            ),
        ),
        "execution_config": ExecutionConfig(
            execution_mode=mode,
            invocation_mode=InvocationMode.DBT_RUNNER,
            dbt_executable_path=str(Path(sys.executable).parent / "dbt"),
            dbt_project_path=project_dir,
        ),
        "render_config": RenderConfig(
            load_method=LoadMode.DBT_MANIFEST,
            test_behavior=test_behavior,
            should_detach_multiple_parents_tests=detach_tests,
            emit_datasets=False,
            # Cosmos's default is the `dbt` on PATH when Cosmos was first imported, and it must equal the one
            # on PATH now: a process that imported Cosmos before PATH named the virtualenv's dbt could not
            # parse this DAG. Rendering reads the manifest and never runs it.
            dbt_executable_path=get_system_dbt(),
            **({"seed_rendering_behavior": seeds} if seeds is not None else {}),
        ),
        "operator_args": {
            "install_deps": False,
            "dbt_cmd_global_flags": [
                *(global_flags or []),
                *COSMOS_FILE_LOG_FLAGS,
                *(["--quiet"] if os.environ.get("RESETTLE_DBT_QUIET") == "1" else []),
            ],
            **(operator_args or {}),
        },
    }
