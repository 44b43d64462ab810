"""Every DAG file imports cleanly, declares its owner, tags, retries and docs, and parses fast without
touching the database or importing the heavy libraries its tasks use."""

from __future__ import annotations

import json
import re
import subprocess
import time

import pytest

from .conftest import DAG_FILES, REPO, python

REPO_DAGS = REPO / "dags"

ALLOWED_TAGS = {"intake", "transform", "alerts", "reporting", "tier:1", "tier:2"}


@pytest.fixture(scope="module")
def bags(airflow_env):
    from airflow.dag_processing.dagbag import DagBag

    return {path.stem: DagBag(dag_folder=str(path)) for path in DAG_FILES}


def test_there_are_dags():
    assert {p.stem for p in DAG_FILES} >= {"ingest_submissions", "build_marts"}


@pytest.mark.parametrize("path", DAG_FILES, ids=lambda p: p.stem)
def test_dag_file_imports_without_errors(path, bags):
    bag = bags[path.stem]
    assert not bag.import_errors, bag.import_errors
    assert path.stem in bag.dags, "dag_id must equal the file name"


@pytest.mark.parametrize("path", DAG_FILES, ids=lambda p: p.stem)
def test_dag_declares_owner_tags_retries_and_docs(path, bags):
    dag = bags[path.stem].dags[path.stem]
    assert dag.doc_md and len(dag.doc_md.strip()) > 80, "doc_md explains purpose, trigger and triage"
    assert "Triage" in dag.doc_md
    assert dag.tags and set(dag.tags) <= ALLOWED_TAGS, dag.tags
    for task in dag.tasks:
        assert task.owner == "data-eng", task.task_id
        assert task.retries >= 1, task.task_id


@pytest.mark.parametrize("path", DAG_FILES, ids=lambda p: p.stem)
def test_dag_file_parses_in_under_a_second(path, bags):
    from airflow.dag_processing.dagbag import DagBag

    # CPU time of this process: what parsing costs, whatever else the machine is running meanwhile
    # (`resettle bench all` reports the wall-clock figure against its target)
    start = time.process_time()
    bag = DagBag(dag_folder=str(path))
    elapsed = time.process_time() - start
    assert not bag.import_errors
    assert elapsed < 1.0, f"{path.name} took {elapsed:.2f}s of CPU to parse"


@pytest.mark.parametrize("path", DAG_FILES, ids=lambda p: p.stem)
def test_dag_file_imports_no_heavy_library_and_no_database(path, airflow_env):
    probe = (
        "import importlib.util, json, sys\n"
        f"spec = importlib.util.spec_from_file_location('probe', {str(path)!r})\n"
        "mod = importlib.util.module_from_spec(spec); spec.loader.exec_module(mod)\n"
        "heavy = ['great_expectations', 'pandas', 'psycopg', 'openpyxl', 'dbt.cli.main']\n"
        "print(json.dumps([m for m in heavy if m in sys.modules]))\n"
    )
    out = subprocess.run([python(), "-c", probe], env=airflow_env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []


def test_build_marts_renders_the_same_tasks_from_the_cut_manifest(airflow_env, monkeypatch):
    """Airflow parses a cut of the dbt manifest (what Cosmos reads); it must render exactly what the whole
    manifest renders: the same tasks, dependencies and operator types."""
    from airflow.dag_processing.dagbag import DagBag

    from resettle.warehouse import dbt_runner

    def shape() -> dict:
        dag = DagBag(dag_folder=str(REPO_DAGS / "build_marts.py")).dags["build_marts"]
        return {t.task_id: (sorted(t.upstream_task_ids), type(t).__name__) for t in dag.tasks}

    # Other test workers parse the shared project (a `dbt compile`, `docs generate`): the cut is brought up to
    # date, then no parse rewrites the manifest while this compares what the two render.
    dbt_runner.ensure_manifest()
    with dbt_runner.manifest_lock(shared=True):
        assert dbt_runner.manifest_for_rendering() == dbt_runner.render_manifest_path()
        assert dbt_runner.render_manifest_path().stat().st_size < dbt_runner.manifest_path().stat().st_size / 3
        from_cut = shape()
        monkeypatch.setattr(dbt_runner, "manifest_for_rendering", dbt_runner.manifest_path)
        assert from_cut == shape()
        manifest = json.loads(dbt_runner.manifest_path().read_text(encoding="utf-8"))
    models = {n["name"] for n in manifest["nodes"].values() if n["resource_type"] == "model"}
    assert {f"dbt.{m}_run" for m in models} <= set(from_cut), "every model has its task"


class _RecordingTaskInstance:
    """What the producer's event parser writes, kept in a dict (the XCom table stands in for nothing else)."""

    def __init__(self):
        self.pushed: dict[str, object] = {}

    def xcom_push(self, key, value, **kwargs):
        self.pushed[key] = value

    def xcom_pull(self, *args, **kwargs):
        return None


def _event(name: str, unique_id: str, resource_type: str, status: str) -> str:
    node = {"unique_id": unique_id, "resource_type": resource_type, "node_status": status, "node_path": "x.sql"}
    return json.dumps({"info": {"name": name, "msg": "", "level": "debug"}, "data": {"node_info": node}})


def test_the_dbt_producer_writes_only_the_xcoms_its_watchers_read(airflow_env):
    """Per node, the producer writes its status, and its final event only when the node did not succeed (a
    succeeded node's task never reads it under the scheduler); events a later one overwrites are not
    written, and tests and seeds (no task watches them) write nothing."""
    from airflow.dag_processing.dagbag import DagBag

    dag = DagBag(dag_folder=str(REPO_DAGS / "build_marts.py")).dags["build_marts"]
    producer = dag.get_task("dbt.dbt_producer_watcher")
    model, failing = "model.resettle.district_monthly_progress", "model.resettle.housing_supply"
    tests = producer.tests_per_model[model]
    assert tests, "the mart has tests"
    assert not [t for t in dag.task_ids if t.endswith(".test")], "no task watches tests"
    assert not [t for t in dag.task_ids if t.endswith("_seed")], "no task stands in for a seed"
    ti = _RecordingTaskInstance()
    parse = producer._make_parse_callable()
    extra = {"context": {"ti": ti}, "project_dir": str(REPO / "dbt_project")}
    for name in ("NodeStart", "NodeCompiling", "NodeExecuting"):
        parse(_event(name, model, "model", "started"), extra)
    parse(_event("NodeFinished", model, "model", "success"), extra)
    parse(_event("NodeFinished", failing, "model", "error"), extra)
    parse(_event("NodeFinished", "seed.resettle.districts", "seed", "success"), extra)
    parse.close()
    key, failing_key = model.replace(".", "__"), failing.replace(".", "__")
    assert ti.pushed[f"{key}_status"]["status"] == "success"
    assert ti.pushed[f"{failing_key}_status"]["status"] == "error"
    assert set(ti.pushed) == {f"{key}_status", f"{failing_key}_status", f"{failing_key}_dbt_event"}, (
        "events a later one overwrites, and a succeeded node's event, are not written"
    )
    written = dict(ti.pushed)
    parse = producer._make_parse_callable()
    for test in tests:
        parse(_event("NodeStart", test, "test", "started"), extra)
        parse(_event("NodeFinished", test, "test", "pass"), extra)
    parse.close()
    assert ti.pushed == written, "tests write no XCom"


def test_the_dbt_build_runs_the_data_tests(airflow_env):
    """Tests have no task of their own, and Cosmos then limits the build to models, seeds and snapshots
    (`--resource-type`): the build must run them, or a mart built on data failing them would be published."""
    from airflow.dag_processing.dagbag import DagBag

    dag = DagBag(dag_folder=str(REPO_DAGS / "build_marts.py")).dags["build_marts"]
    producer = dag.get_task("dbt.dbt_producer_watcher")
    assert "--resource-type" not in producer.dbt_cmd_flags, producer.dbt_cmd_flags
    # The plan's `exclude` (dbt's unit tests and the views left as they are), else dbt's unit tests alone.
    assert "key='exclude'" in producer.exclude and "'resource_type:unit_test'" in producer.exclude
    flags = producer.dbt_cmd_flags
    assert flags[flags.index("--indirect-selection") :][:2] == ["--indirect-selection", "empty"], (
        "a view left out keeps its tests"
    )


def test_the_dbt_producer_records_events_beside_the_build_and_all_before_it_returns():
    """dbt calls an event's callback in the thread running the node: the producer records each event (an
    XCom round trip) on a thread of its own, in the order dbt fired them, and dbt's command returns only
    when every event is recorded; an event that could not be recorded fails the command."""
    import threading
    import time

    from resettle.airflow.runtime import _parse_events_beside_the_build

    class Producer:
        def __init__(self, fail_on=None):
            self.recorded: list[str] = []
            self.fail_on = fail_on

        def _make_parse_callable(self):
            def parse(line, extra_kwargs):
                time.sleep(0.01)  # an XCom round trip
                if line == self.fail_on:
                    raise RuntimeError("the API server is gone")
                self.recorded.append(line)

            return parse

        def run_dbt_runner(self, lines):
            parse = self._make_parse_callable()
            started = time.perf_counter()
            for line in lines:
                parse(line, {})
            self.fired_in = time.perf_counter() - started
            self.recorded_when_dbt_ended = len(self.recorded)
            return "result"

    lines = [f"event {i}" for i in range(30)]
    producer = Producer()
    _parse_events_beside_the_build(producer)
    assert producer.run_dbt_runner(lines) == "result"
    assert producer.recorded == lines
    assert producer.fired_in < 0.1 and producer.recorded_when_dbt_ended < len(lines), "dbt did not wait"
    assert not [t for t in threading.enumerate() if t.name == "dbt-events"]
    failing = Producer(fail_on="event 3")
    _parse_events_beside_the_build(failing)
    with pytest.raises(RuntimeError, match="API server"):
        failing.run_dbt_runner(lines)
    assert failing.recorded == [line for line in lines if line != "event 3"]


def test_both_ingestion_waves_come_from_one_listing_of_the_landing_zone(bags):
    """Listed again after the first wave, a roster dropped with its ledger while a run was between its waves
    was checked against a ledger that run never read (findings the sender should not get); both waves take
    the files of one listing, and what lands mid-run waits for the next run."""
    dag = bags["ingest_submissions"].dags["ingest_submissions"]
    upstream = {t.task_id: {u.task_id for u in t.upstream_list} for t in dag.tasks}
    assert upstream["list_landing"] == {"prepare_warehouse"}
    assert upstream["find_independent_files"] == {"list_landing"}
    assert upstream["find_files_after_ledger"] == {"list_landing", "ingest_files"}


def test_a_build_selects_what_the_run_accepted(airflow_env):
    """New data in a dataset: everything downstream of its raw table and the register's marts; nothing new:
    the register's marts; a seed a release changed: it and everything downstream of it (reloading it drops
    the views on it); triggered by hand or on a warehouse missing a model: the whole project."""
    from resettle.airflow.runtime import dbt_selection

    roster = dbt_selection(["household_roster"], relations_missing=False).split()
    assert roster[0] == "source:district.household_roster+"
    nothing_new = dbt_selection([], relations_missing=False).split()
    assert nothing_new == roster[1:]
    assert not [s for s in nothing_new if s.startswith("source:") or "seed" in s]
    assert dbt_selection([], relations_missing=False, stale_seeds=["districts"]).split() == [*nothing_new, "districts+"]
    assert dbt_selection(None, relations_missing=False) == "package:resettle"
    assert dbt_selection([], relations_missing=True) == "package:resettle"


def test_every_incremental_model_replaces_whole_months(airflow_env):
    """A month is rebuilt whole (`periods_to_build`), so it is deleted whole before the rows built are
    appended: matched on a finer key, a row the rebuilt month no longer has (a project a corrected ledger
    took out) would stay from the earlier build."""
    from resettle.warehouse import dbt_runner

    nodes = json.loads(dbt_runner.manifest_path().read_text(encoding="utf-8"))["nodes"].values()
    incremental = {
        n["name"]: (n["config"].get("incremental_strategy"), [h["sql"] for h in n["config"]["pre-hook"]])
        for n in nodes
        if n["resource_type"] == "model" and n["config"].get("materialized") == "incremental"
    }
    assert incremental
    for name, (strategy, pre_hooks) in incremental.items():
        assert strategy == "append", name
        assert "{{ delete_periods_to_build() }}" in pre_hooks, name


def test_in_process_the_model_tasks_follow_a_finished_build(airflow_env, monkeypatch):
    """In-process (`dag.test()`), every model's task runs after the build and only if it succeeded, and then
    ends on its first run: no deferral, no read of a node the plan left out."""
    from airflow.dag_processing.dagbag import DagBag
    from cosmos.operators._watcher.base import BaseConsumerSensor

    from resettle.airflow.runtime import followers_of_the_build

    monkeypatch.setenv("RESETTLE_IN_PROCESS", "1")
    dag = DagBag(dag_folder=str(REPO_DAGS / "build_marts.py")).dags["build_marts"]
    producer = dag.get_task("dbt.dbt_producer_watcher")
    watchers = [t for t in dag.tasks if isinstance(t, BaseConsumerSensor)]
    assert watchers, "every model has a task"
    below = producer.get_flat_relative_ids(upstream=False)
    for task in watchers:
        assert task.task_id in below, f"{task.task_id} runs after the build"
        assert str(task.trigger_rule) in ("all_success", "TriggerRule.ALL_SUCCESS"), task.trigger_rule
        assert not task.deferrable and task.poke({}) is True, task.task_id
    marked = re.compile(followers_of_the_build(dag))
    assert {t.task_id for t in dag.tasks if marked.fullmatch(t.task_id)} == {t.task_id for t in watchers}, (
        "`resettle run` marks exactly the model tasks succeeded, never the build or the plan"
    )


class _StatusProducer:
    """A stand-in for Cosmos's producer: its parser writes each node's status and compiled SQL under the node's
    own keys, as Cosmos's does."""

    def _make_parse_callable(self):
        def parse(line, extra_kwargs):
            node, status = line.split()
            extra_kwargs["context"]["ti"].xcom_push(key=f"{node}_status", value={"status": status})
            extra_kwargs["context"]["ti"].xcom_push(key=f"{node}_compiled_sql", value="select 1")

        return parse

    def run_dbt_runner(self, lines, context=None):
        from resettle.airflow.model_watch import NODE_STATUSES_XCOM_KEY

        parse = self._make_parse_callable()
        for line in lines:
            parse(line, {"context": context})
        self.written_when_dbt_ended = NODE_STATUSES_XCOM_KEY in context["ti"].pushed
        return "result"


def test_the_dbt_producer_writes_every_node_status_again_in_one_xcom_when_dbt_returns():
    """The model tasks waiting in the triggerer end together from one read when the build ends."""
    from resettle.airflow.model_watch import NODE_STATUSES_XCOM_KEY
    from resettle.airflow.runtime import _parse_events_beside_the_build

    ti = _RecordingTaskInstance()
    producer = _StatusProducer()
    _parse_events_beside_the_build(producer)
    producer.run_dbt_runner(["model__a success", "model__b error"], context={"ti": ti})
    assert ti.pushed["model__a_status"] == {"status": "success"}, "each status is still written on its own"
    assert not producer.written_when_dbt_ended
    assert ti.pushed[NODE_STATUSES_XCOM_KEY] == {"model__a_status": "success", "model__b_status": "error"}


def test_in_process_the_dbt_producer_writes_no_xcom_of_a_node(monkeypatch):
    """In-process no task reads a node's XCom (`_follow_the_finished_build`): the statuses are still kept,
    and written once, together, when dbt returns."""
    from resettle.airflow.model_watch import NODE_STATUSES_XCOM_KEY
    from resettle.airflow.runtime import _parse_events_beside_the_build

    monkeypatch.setenv("RESETTLE_IN_PROCESS", "1")
    ti = _RecordingTaskInstance()
    producer = _StatusProducer()
    _parse_events_beside_the_build(producer)
    producer.run_dbt_runner(["model__a success", "model__b error"], context={"ti": ti})
    assert ti.pushed == {NODE_STATUSES_XCOM_KEY: {"model__a_status": "success", "model__b_status": "error"}}
