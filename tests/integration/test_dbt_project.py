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
    build = run_dbt(["build"], warehouse_url)
    assert build.success, build.failures
    assert build.counts.get("pass", 0) > 50
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
        time.sleep(20)  # a parse of the project takes well under this
        assert parse.poll() is None and not (project / "target" / "manifest.json").exists()
        fcntl.flock(held, fcntl.LOCK_UN)
    error = parse.communicate(timeout=300)[1]
    assert parse.returncode == 0, error
    manifest = json.loads((project / "target" / "manifest.json").read_text(encoding="utf-8"))
    cut = json.loads((project / "target" / "manifest_for_airflow.json").read_text(encoding="utf-8"))
    assert "model.resettle.project_joint_review" in manifest["nodes"]
    assert set(cut["nodes"]) <= set(manifest["nodes"])
