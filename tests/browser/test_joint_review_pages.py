"""The joint review on the generated world: every consistency flag fires somewhere and never on the clean
control project, 重点 stays a short list, the 项目 page lists in-scope projects first by priority, the
printed 联审会签表 is one A4 page (PDF, and a PNG of it under test-artifacts/), and each role opens the new
pages (房源供需, 开发企业, 督办事项; 未匹配记录 only for the office and engineers)."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess

import psycopg
import pytest

from resettle.devtools.generator import MANIFEST
from resettle.domain.config import settings
from tests.browser.pages import open_page, signed_in

pytestmark = pytest.mark.integration

NEW_PAGES = ("房源供需", "开发企业", "督办事项")


def _active_flags() -> set[str]:
    with (settings().dbt_project_dir / "seeds" / "consistency_flags.csv").open(encoding="utf-8") as fh:
        return {row["flag_code"] for row in csv.DictReader(fh)}


def test_every_flag_fires_in_the_world_and_none_on_the_control_project(world):
    manifest = json.loads((world.home.parent / "landing" / MANIFEST).read_text(encoding="utf-8"))
    control = manifest["control_project"]
    with psycopg.connect(world.admin_url) as conn:
        fired = {
            r[0]: r[1]
            for r in conn.execute(
                "select f, count(distinct project_code) from marts.project_joint_review, unnest(flag_codes) as f"
                " group by f"
            )
        }
        on_control = conn.execute(
            "select period, flag_codes, is_in_scope from marts.project_joint_review where project_code = %s", (control,)
        ).fetchall()
        projects = conn.execute("select count(distinct project_code) from marts.project_joint_review").fetchone()[0]
    assert set(fired) == _active_flags(), f"flags that never fire: {_active_flags() - set(fired)}"
    assert on_control and all(codes == [] and in_scope for _, codes, in_scope in on_control), on_control
    assert max(fired.values()) < projects, "a flag that fires on every project says nothing"


def test_key_projects_are_a_short_list_in_every_month(world):
    months = world.rows(
        "select period, count(*) filter (where is_in_scope), count(*) filter (where is_priority),"
        " count(*) filter (where is_priority and not is_in_scope)"
        " from marts.project_joint_review group by period"
    )
    progress = world.rows("select period, sum(priority_projects) from marts.district_monthly_progress group by period")
    for _period, in_scope, key, out_of_scope in months:
        assert key <= 0.2 * in_scope and out_of_scope == 0
    assert {p: int(n) for p, n in progress} == {p: k for p, _, k, _ in months}


def test_the_printed_review_sheet_is_one_a4_page(world, tmp_path, artifacts):
    from resettle.reporting.bulletin import find_chromium
    from resettle.reporting.review_sheet import write_review_sheet

    if not find_chromium() or not shutil.which("pdftoppm"):
        pytest.fail("no Chromium or pdftoppm: run `make browser`")
    code = world.top_project(
        "(developer_projects > 1) desc, inferred_matches desc, priority_score desc", where="is_in_scope"
    )
    with psycopg.connect(world.admin_url) as conn:
        page, pdf = write_review_sheet(conn, code, world.latest, tmp_path, pdf=True)
    html = page.read_text(encoding="utf-8")
    for text in ("回迁安置项目联审会签表", "该企业名下全部项目", "处置路径", "会签", "市自然资源局", "市审计局"):
        assert text in html
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "Pages:           1" in info and "(A4)" in info, info
    target = artifacts.parent / "review"
    target.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "80", "-singlefile", str(pdf), str(target / f"联审会签表_{code}")],
        check=True,
        timeout=60,
    )
    assert (target / f"联审会签表_{code}.png").stat().st_size > 20_000


@pytest.mark.parametrize("username", ["leader", "office", "engineer", "district_xiangyang"])
def test_each_role_opens_the_joint_review_pages(world, dashboard, browser, artifacts, username):
    role, district, _password = world.users[username]
    with signed_in(browser, dashboard, world, username) as page:
        for title in NEW_PAGES:
            open_page(page, title)
            assert not page.locator('[data-testid="stException"]').count(), title
        nav = page.locator('[data-testid="stSidebarNav"]')
        if role in ("office", "engineer"):
            open_page(page, "未匹配记录")
            assert not page.locator('[data-testid="stException"]').count()
        else:
            assert not nav.get_by_text("未匹配记录", exact=True).count()
        open_page(page, "督办事项")
        text = page.locator('[data-testid="stMain"]').inner_text()
        if district:
            with psycopg.connect(world.admin_url) as conn:
                others = [
                    r[0]
                    for r in conn.execute(
                        "select distinct item_no from marts.supervision_items where period = %s and district <> %s",
                        (world.latest, district),
                    )
                ]
            assert not [item for item in others if item in text]
        page.screenshot(path=str(artifacts / f"督办事项_{username}.png"), full_page=True)


def test_the_projects_page_lists_in_scope_projects_first_by_priority(world, monkeypatch):
    from resettle.reporting.dashboard.auth import User
    from resettle.reporting.dashboard.data import Warehouse

    monkeypatch.setenv("RESETTLE_HOME", str(world.home))  # where the scope login roles' passwords are kept
    projects = Warehouse(world.login_url, User("office", "office", None)).projects(world.latest)
    scope = projects.is_in_scope.tolist()
    assert scope == sorted(scope, reverse=True)
    inside = projects[projects.is_in_scope].priority_score.tolist()
    assert inside == sorted(inside, reverse=True)
