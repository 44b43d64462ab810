"""A monthly build leaves as they are the views of the current release that nothing it replaces lies under:
a table model, a seed or a view it creates again drops the views built on it, which it then creates again."""

from __future__ import annotations

from resettle.airflow.runtime import views_left_as_they_are

ROSTERS = "source.resettle.district.household_roster"


def _manifest() -> dict:
    """raw rosters → stg_rosters (view) → int_masked (view) → households (table) → int_on_table (view);
    stg_rosters → progress (incremental) → int_on_incremental (view); districts (seed) → int_on_seed (view);
    one test on stg_rosters."""
    models = {
        "stg_rosters": ("view", [ROSTERS]),
        "int_masked": ("view", ["model.resettle.stg_rosters"]),
        "households": ("table", ["model.resettle.int_masked"]),
        "int_on_table": ("view", ["model.resettle.households"]),
        "progress": ("incremental", ["model.resettle.stg_rosters"]),
        "int_on_incremental": ("view", ["model.resettle.progress"]),
        "int_on_seed": ("view", ["seed.resettle.districts"]),
    }
    nodes = {
        f"model.resettle.{name}": {
            "name": name,
            "resource_type": "model",
            "config": {"materialized": materialized},
            "depends_on": {"nodes": parents},
        }
        for name, (materialized, parents) in models.items()
    }
    nodes["seed.resettle.districts"] = {"name": "districts", "resource_type": "seed", "config": {}, "depends_on": {}}
    nodes["test.resettle.stg_rosters_holds_its_contract"] = {
        "name": "stg_rosters_holds_its_contract",
        "resource_type": "test",
        "config": {},
        "depends_on": {"nodes": ["model.resettle.stg_rosters"]},
    }
    child_map: dict[str, list[str]] = {ROSTERS: []}
    for uid, node in nodes.items():
        child_map.setdefault(uid, [])
        for parent in node["depends_on"].get("nodes", []):
            child_map.setdefault(parent, []).append(uid)
    sources = {ROSTERS: {"source_name": "district", "name": "household_roster"}}
    return {"nodes": nodes, "sources": sources, "child_map": child_map}


VIEWS = ["int_masked", "int_on_incremental", "int_on_seed", "int_on_table", "stg_rosters"]


def test_a_month_leaves_the_views_of_this_release_except_those_under_a_table_it_rebuilds():
    left = views_left_as_they_are("source:district.household_roster+", VIEWS, _manifest())
    assert left == ["int_masked", "int_on_incremental", "stg_rosters"]


def test_a_view_of_an_earlier_release_is_created_again_with_the_views_on_it():
    """An incremental table is written in place: the view on it stays."""
    current = [v for v in VIEWS if v != "stg_rosters"]
    left = views_left_as_they_are("source:district.household_roster+", current, _manifest())
    assert left == ["int_on_incremental"]


def test_a_reloaded_seed_has_its_views_created_again():
    left = views_left_as_they_are("source:district.household_roster+ districts+", VIEWS, _manifest())
    assert "int_on_seed" not in left and "stg_rosters" in left


def test_nothing_is_left_out_of_a_whole_project_build_an_unread_selector_or_a_warehouse_without_records():
    manifest = _manifest()
    assert views_left_as_they_are("package:resettle", VIEWS, manifest) == []
    assert views_left_as_they_are("source:district.household_roster+ tag:nightly", VIEWS, manifest) == []
    assert views_left_as_they_are("stg_rosters", VIEWS, manifest) == [], "a node alone, without `+`"
    assert views_left_as_they_are("source:district.household_roster+", [], manifest) == []
