"""The dbt project builds on an empty warehouse (every test passing, unit tests included), its docs
generate, and every mart column is described."""

from __future__ import annotations

import json

import psycopg
import pytest

from resettle.domain.config import settings
from resettle.warehouse.dbt_runner import run_dbt
from resettle.warehouse.schema import bootstrap

pytestmark = pytest.mark.integration


def test_build_and_docs_on_an_empty_warehouse(warehouse_url, resettle_env):
    with psycopg.connect(warehouse_url) as conn:
        bootstrap(conn)
    sessions_before = _sessions(warehouse_url)
    build = run_dbt(["build"], warehouse_url)
    assert build.success, build.failures
    assert build.counts.get("pass", 0) > 50
    # each dbt thread keeps its connection from node to node (resettle.warehouse.dbt_connections)
    opened, nodes = _sessions(warehouse_url) - sessions_before, sum(build.counts.values())
    assert opened < nodes / 10, (opened, nodes)
    docs = run_dbt(["docs", "generate"], warehouse_url)
    assert docs.success, docs.failures
    catalog = json.loads((settings().dbt_project_dir / "target" / "catalog.json").read_text())
    marts = {node["metadata"]["name"] for node in catalog["nodes"].values() if node["metadata"]["schema"] == "marts"}
    assert {
        "project_joint_review",
        "household_resettlement",
        "district_monthly_progress",
        "housing_supply",
        "developer_risk",
    } <= marts

    manifest = json.loads((settings().dbt_project_dir / "target" / "manifest.json").read_text())
    documented = {
        node["name"]: {n for n, c in node["columns"].items() if c["description"].strip()}
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model"
    }
    for node in catalog["nodes"].values():
        if node["metadata"]["schema"] != "marts":
            continue
        name = node["metadata"]["name"]
        undocumented = set(node["columns"]) - documented[name]
        assert not undocumented, f"marts.{name}: columns without a description: {sorted(undocumented)}"
    _assert_household_keys_are_held(warehouse_url)
    _assert_each_broken_rule_is_named_with_its_rows(warehouse_url)
    _assert_personal_numbers_are_found_by_column_and_kind(warehouse_url)
    _assert_a_month_rebuilt_empty_keeps_no_rows(warehouse_url)
    _assert_a_month_reloads_only_the_seeds_a_release_changed(warehouse_url)
    _assert_a_month_leaves_the_views_of_this_release_as_they_are(warehouse_url, manifest)
    _assert_the_yml_tells_what_a_test_reads(catalog, manifest)
    _assert_descriptions_are_the_warehouse_comments(warehouse_url, manifest)
    _assert_a_build_waits_for_a_decision_being_committed(warehouse_url)
    _assert_a_build_tests_the_snapshot_versions_it_wrote(warehouse_url)


def _sessions(url: str) -> int:
    """Connections opened to the database so far (this one included)."""
    with psycopg.connect(url) as conn:
        return conn.execute("select sessions from pg_stat_database where datname = current_database()").fetchone()[0]


def _assert_a_build_tests_the_snapshot_versions_it_wrote(url: str) -> None:
    """A build tests the snapshot versions it wrote, each version being tested by the run that wrote it; a
    test run alone reads every version (macros/changed_rows.sql)."""
    old_version = (
        "insert into snapshots.household_status_snapshot (household_code, period, unit_code, is_resettled, "
        "dbt_valid_from, dbt_updated_at, dbt_scd_id) "
        "values ('H-OLD', '2026-01', '230404199001011234', false, '2000-01-01', '2000-01-01', 'old')"
    )
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(old_version)
    try:
        build = run_dbt(["build", "--select", "household_status_snapshot"], url)
        assert build.success, build.failures
        alone = run_dbt(["test", "--select", "household_status_snapshot,test_name:no_personal_data"], url)
        assert alone.counts.get("fail") == 1, alone.counts
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("delete from snapshots.household_status_snapshot where household_code = 'H-OLD'")


def _assert_a_build_waits_for_a_decision_being_committed(url: str) -> None:
    """A file's decision being committed (its transaction holding the intake's decisions lock) holds up a dbt
    build before it takes its `built_at`, so the build reads the file or the file is stamped later than the
    build (macros/record_invocation.sql)."""
    import threading
    import time

    from resettle.intake.locks import DECISIONS_LOCK_CLASS, hold_decisions_lock

    held, built, seen = threading.Event(), threading.Event(), {}
    waiting_for_it = """select count(*) from pg_locks
        where locktype = 'advisory' and not granted and mode = 'ExclusiveLock'
          and database = (select oid from pg_database where datname = current_database())
          and classid = %s and objid = 0 and objsubid = 2"""

    def deciding() -> None:
        with psycopg.connect(url) as conn:
            hold_decisions_lock(conn)
            held.set()
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and not seen and not built.is_set():
                with psycopg.connect(url, autocommit=True) as watcher:
                    if watcher.execute(waiting_for_it, (DECISIONS_LOCK_CLASS,)).fetchone()[0]:
                        seen["waiting"] = True
                time.sleep(0.2)
            conn.commit()

    thread = threading.Thread(target=deciding)
    thread.start()
    assert held.wait(30)
    outcome = run_dbt(["run", "--select", "household_resettlement"], url)
    built.set()
    thread.join(150)
    assert outcome.success, outcome.failures
    assert seen.get("waiting"), "the build did not wait for the decision being committed"


def _assert_descriptions_are_the_warehouse_comments(url: str, manifest: dict) -> None:
    """Every model's description and its columns' are the comments of its table or view
    (macros/persist_docs.sql), for whoever reads the warehouse directly."""
    models = [n for n in manifest["nodes"].values() if n["resource_type"] == "model"]
    with psycopg.connect(url) as conn:
        for node in models:
            relation = f"{node['schema']}.{node['alias']}"
            comment = conn.execute("select obj_description(%s::regclass, 'pg_class')", (relation,)).fetchone()[0]
            assert comment == (node["description"] or None), relation
            columns = dict(
                conn.execute(
                    "select attname, col_description(attrelid, attnum) from pg_attribute "
                    "where attrelid = %s::regclass and attnum > 0 and not attisdropped",
                    (relation,),
                ).fetchall()
            )
            for name, column in node["columns"].items():
                assert (columns[name] or "") == column["description"], f"{relation}.{name}"


def _assert_the_yml_tells_what_a_test_reads(catalog: dict, manifest: dict) -> None:
    """What macros/changed_rows.sql and persist_docs.sql read from the manifest instead of the catalog holds:
    a model has `built_at` exactly when it is incremental, a relation with `period` documents it (else its
    tests would read every month), and every documented column exists (else its comment is skipped)."""
    nodes = {node["unique_id"]: node for node in manifest["nodes"].values()}
    checked = 0
    for unique_id, entry in catalog["nodes"].items():
        node = nodes[unique_id]
        columns = set(entry["columns"])
        name = node["name"]
        if node["resource_type"] == "model":
            assert ("built_at" in columns) == (node["config"]["materialized"] == "incremental"), name
        assert "period" not in columns or "period" in node["columns"], f"{name}: `period` not in its yml"
        assert set(node["columns"]) <= columns, f"{name}: documented but absent: {set(node['columns']) - columns}"
        checked += 1
    assert checked >= 60, checked


def _assert_household_keys_are_held(url: str) -> None:
    """The household table's key (period, household_code) is held by PostgreSQL: both columns NOT NULL and a
    unique index on them, so a null or a duplicate fails its insert. The key's test trusts the catalog and
    does not read the table; without the index it finds a duplicate, without NOT NULL a missing value."""
    key_test = "household_resettlement,test_name:primary_key"
    twice_h, null_h = "('2026-10', 'H', now()), ('2026-10', 'H', now())", "('2026-10', null, now())"
    with psycopg.connect(url, autocommit=True) as conn:
        found = conn.execute(
            """select i.indexrelid::regclass::text from pg_index as i
               where i.indrelid = 'marts.household_resettlement'::regclass and i.indisunique
                 and i.indnullsnotdistinct
                 and (select array_agg(a.attname::text order by a.attname) from pg_attribute as a
                      where a.attrelid = i.indrelid and a.attnum = any(i.indkey::int2[]))
                     = array['household_code', 'period']"""
        ).fetchall()
        assert len(found) == 1, found
        insert = "insert into marts.household_resettlement (period, household_code) values "
        with pytest.raises(psycopg.errors.NotNullViolation):
            conn.execute(insert + "('2026-10', null)")
        with pytest.raises(psycopg.errors.UniqueViolation):
            conn.execute(insert + "('2026-10', 'H'), ('2026-10', 'H')")
        assert run_dbt(["test", "--select", key_test], url).success
        # With the key held, the test's grouping never runs: the catalog check gates the scan below it.
        assert run_dbt(["compile", "--select", key_test], url).success
        nodes = json.loads((settings().dbt_project_dir / "target" / "manifest.json").read_text())["nodes"]
        compiled = next(n["compiled_code"] for n in nodes.values() if n["name"] == KEY_TEST)
        plan = conn.execute(f"explain (analyze, format json) {compiled}").fetchone()[0][0]["Plan"]
        scans = [n for n in _plan_nodes(plan) if n.get("Relation Name") == "household_resettlement"]
        assert scans and all(n["Actual Loops"] == 0 for n in scans), scans
        conn.execute(f"drop index {found[0][0]}")
        # Rows of a build: the test reads what the latest build wrote (macros/changed_rows.sql).
        conn.execute(f"insert into marts.household_resettlement (period, household_code, built_at) values {twice_h}")
        duplicated = run_dbt(["test", "--select", key_test], url)
        conn.execute("delete from marts.household_resettlement where household_code = 'H'")
        conn.execute("alter table marts.household_resettlement alter column household_code drop not null")
        conn.execute(f"insert into marts.household_resettlement (period, household_code, built_at) values {null_h}")
        missing = run_dbt(["test", "--select", key_test], url)
        conn.execute("delete from marts.household_resettlement where household_code is null")
    for failed in (duplicated, missing):
        assert failed.counts.get("fail") == 1 and any(KEY_TEST in f for f in failed.failures), failed.failures


KEY_TEST = "primary_key_household_resettlement_period__household_code"


def _plan_nodes(node: dict):
    yield node
    for child in node.get("Plans", []):
        yield from _plan_nodes(child)


def test_a_parse_waits_for_the_manifest_lock_and_leaves_one_valid_manifest(tmp_path):
    """The test workers, `resettle` commands and Airflow's tasks share one project folder, and dbt writes
    manifest.json in place: on a fresh clone two parses at once left a corrupt file. A parse waits while
    another process holds the manifest's lock, then writes the manifest and Airflow's cut of it."""
    import fcntl
    import os
    import shutil
    import subprocess
    import sys
    import time

    project = tmp_path / "dbt_project"
    shutil.copytree(
        settings().dbt_project_dir, project, ignore=shutil.ignore_patterns("target", "logs", "dbt_packages")
    )
    (project / "target").mkdir()
    env = {**os.environ, "RESETTLE_DBT_PROJECT_DIR": str(project)}
    code = "from resettle.warehouse.dbt_runner import ensure_manifest; ensure_manifest()"
    with open(project / "target" / ".manifest.lock", "a+") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        parse = subprocess.Popen([sys.executable, "-c", code], env=env, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 120
        while not _waits_for_a_lock(parse.pid) and parse.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(1)  # blocked, it stays blocked: nothing may be written meanwhile
        assert parse.poll() is None and _waits_for_a_lock(parse.pid), "the parse did not wait for the lock"
        assert not (project / "target" / "manifest.json").exists()
        fcntl.flock(held, fcntl.LOCK_UN)
    error = parse.communicate(timeout=300)[1]
    assert parse.returncode == 0, error
    manifest = json.loads((project / "target" / "manifest.json").read_text(encoding="utf-8"))
    cut = json.loads((project / "target" / "manifest_for_airflow.json").read_text(encoding="utf-8"))
    assert "model.resettle.project_joint_review" in manifest["nodes"]
    assert set(cut["nodes"]) <= set(manifest["nodes"])


def _waits_for_a_lock(pid: int) -> bool:
    """Whether the process is blocked on a file lock (Linux lists each waiter in /proc/locks, after `->`)."""
    with open("/proc/locks") as locks:
        return any(line.split()[1] == "->" and line.split()[5] == str(pid) for line in locks if "->" in line)


def _test_and_read_failures(conn: psycopg.Connection, url: str, select: str):
    """`dbt test --select` on the warehouse at `url`, and the rows each failing test returns, by test name
    (dbt's run results keep the compiled query; the project's target keeps partial parsing)."""
    tested = run_dbt(["test", "--select", select, "--write-json"], url)
    results = json.loads((settings().dbt_project_dir / "target" / "run_results.json").read_text())
    rows = {
        r["unique_id"].split(".")[2]: conn.execute(r["compiled_code"]).fetchall()
        for r in results["results"]
        if r["status"] == "fail"
    }
    return tested, rows


def _assert_each_broken_rule_is_named_with_its_rows(url: str) -> None:
    """`row_rules` reads the table once and names each rule a row breaks, with how many rows break it."""
    columns = "period, household_code, district, head_name_masked, id_number_masked, source_row, months_waiting"
    # Each row as a roster gives it (file, project, pseudonym, codes), so that only the two rules below break.
    roster = (
        "submission_id, project_code, household_pseudonym, household_type, has_lawful_residence,"
        " resettlement_choice, agreement_type, is_resettled, petition_level"
    )
    given = "1, 'XA2019-001', 'p', '被动迁', true, '原址回迁', '无', false, '无'"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            f"insert into marts.household_resettlement ({columns}, {roster}, built_at) values"
            f" ('2026-10', 'H1', 'xingan', '张*', '***', 1, -1, {given}, now()),"
            f" ('2026-10', 'H2', null, '李*', '***', 2, 0, {given}, now()),"
            f" ('2026-10', 'H3', null, '王*', '***', 3, 5, {given}, now())"
        )
        try:
            tested, rows = _test_and_read_failures(conn, url, "household_resettlement,test_name:row_rules")
            broken = {rule: n for found in rows.values() for rule, n in found}
        finally:
            conn.execute("delete from marts.household_resettlement where household_code in ('H1', 'H2', 'H3')")
    assert not tested.success
    assert broken == {"months_waiting_is_not_negative": 1, "district_is_present": 2}


def _assert_personal_numbers_are_found_by_column_and_kind(url: str) -> None:
    """`no_personal_data` names the column and the kind of number it finds, never the value; a column held
    to a vocabulary is left to the test that holds it (a number in `district` breaks its relationship)."""
    test = "household_resettlement_carries_no_personal_data"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "insert into marts.household_resettlement"
            " (period, household_code, district, certificate_blocker, petition_level_open, built_at) values"
            " ('2026-10', 'H1', '13912345678', '户主 230404199001011234 未到场', null, now()),"
            " ('2026-10', 'H2', 'xingan', '联系 0468-3070192', '进京', now()),"
            " ('2026-10', 'H3', 'xingan', '编号 230404********1234', '进京', now())"
        )
        try:
            tested, rows = _test_and_read_failures(conn, url, f"{test} household_resettlement,test_name:relationships")
            found = {(column, problem): n for column, problem, n in rows[test]}
        finally:
            conn.execute("delete from marts.household_resettlement where household_code in ('H1', 'H2', 'H3')")
    assert found == {("certificate_blocker", "resident ID number"): 1, ("certificate_blocker", "landline number"): 1}
    assert any(test in f for f in tested.failures), tested.failures
    assert any("relationships_household_resettlement_district" in f for f in tested.failures), tested.failures
    assert "230404199001011234" not in "\n".join(tested.failures)


def _assert_a_month_rebuilt_empty_keeps_no_rows(url: str) -> None:
    """A month with a file accepted since it was built is rebuilt whole, even when it now comes out empty:
    dbt's delete+insert alone would delete only the months it inserts (`delete_periods_to_build`)."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "insert into marts.project_joint_review (period, project_code, built_at)"
            " values ('2026-10', 'P-EARLIER', '2026-10-26')"
        )
        conn.execute(
            """insert into ops.submission (source, dataset, period, file_name, landing_path, sha256, size_bytes,
                   received_at, archive_path, status, processed_at)
               values ('xingan', 'project_ledger', '2026-10', 'ledger.csv', 'x', 'x', 1, now(), 'x', 'accepted',
                       now())"""
        )
        rebuilt = run_dbt(["build", "--select", "project_joint_review"], url)
        left = conn.execute("select count(*) from marts.project_joint_review where period = '2026-10'").fetchone()
        conn.execute("delete from ops.submission where file_name = 'ledger.csv'")
    assert rebuilt.success, rebuilt.failures
    assert left == (0,), "the rows of the month's earlier build stay when the month now comes out empty"


def _assert_a_month_leaves_the_views_of_this_release_as_they_are(url: str, manifest: dict) -> None:
    """A build notes the views it created under the project's release; a month's build then leaves those
    views as they are (still running their tests) and creates again those of an earlier release."""
    from resettle.airflow.runtime import (
        INDIRECT_SELECTION,
        PIPELINE_EXCLUDE,
        dbt_exclusion,
        dbt_selection,
        views_left_as_they_are,
    )
    from resettle.warehouse.dbt_runner import current_views, missing_relations

    views = sorted(
        n["name"]
        for n in manifest["nodes"].values()
        if n["resource_type"] == "model" and n["config"]["materialized"] == "view"
    )
    assert current_views(url, manifest) == views, "every view the builds created is noted under this release"
    view, its_test = (
        "stg_district__household_rosters",
        "test.resettle.stg_district__household_rosters_holds_its_contract",
    )
    # Court cases rebuild the company matches, tables under the project's route steps (a view).
    selection = dbt_selection(["household_roster", "court_cases"], False, [], manifest=manifest)

    def month() -> tuple[list[str], int]:
        left = views_left_as_they_are(selection, current_views(url, manifest), manifest)
        with psycopg.connect(url) as conn:
            before = conn.execute("select %s::regclass::oid", (f"staging.{view}",)).fetchone()[0]
        exclude = dbt_exclusion(selection, url, manifest)
        assert exclude.split() == [PIPELINE_EXCLUDE, *left]
        outcome = run_dbt(["build", "--select", selection, "--exclude", exclude, *INDIRECT_SELECTION], url)
        assert outcome.success, outcome.failures
        assert any(uid.startswith(f"{its_test}.") for uid in outcome.ran), "a view left as it is keeps its tests"
        with psycopg.connect(url) as conn:
            after = conn.execute("select %s::regclass::oid", (f"staging.{view}",)).fetchone()[0]
        return left, int(before == after)

    left, kept = month()
    assert view in left and kept, "the month created a view of this release again"
    assert "int_project_route_steps" not in left, "a view on a table the month rebuilds is dropped with it"
    assert missing_relations(url) == [], "every view the build dropped, it created again"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("update ops.view_release set release = 'an earlier release'")
    left, kept = month()
    assert left == [] and not kept, "a view of an earlier release is created again"
    assert view in current_views(url, manifest), "and noted under this release"


def _assert_a_month_reloads_only_the_seeds_a_release_changed(url: str) -> None:
    """Reloading a seed drops its table and the views on it. A month that reloaded every seed left the views
    outside its selection dropped until a whole-project build; it reloads only a seed whose fingerprint
    (file and column types) differs from the one on its table, with everything downstream of it."""
    from resettle.airflow.runtime import PIPELINE_EXCLUDE, dbt_selection
    from resettle.warehouse.dbt_runner import missing_relations, stale_seeds

    def month(stale: list[str]):
        return run_dbt(["build", "--select", dbt_selection([], False, stale), "--exclude", PIPELINE_EXCLUDE], url)

    assert stale_seeds(url) == [], "a seed loaded by the build carries its fingerprint"
    quiet = month(stale_seeds(url))
    assert quiet.success, quiet.failures
    assert missing_relations(url) == []
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("comment on table reference.finding_severities is null")
    assert stale_seeds(url) == ["finding_severities"]
    reloaded = month(stale_seeds(url))
    assert reloaded.success, reloaded.failures
    assert missing_relations(url) == [] and stale_seeds(url) == []
