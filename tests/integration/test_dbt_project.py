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
