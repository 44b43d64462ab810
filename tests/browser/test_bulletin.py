"""The monthly bulletin's figures are the marts' figures: district ranking, late and missing submissions,
top-priority projects and flagged projects, in the xlsx; the HTML is a print-ready A4 page with the same
districts."""

from __future__ import annotations

import openpyxl
import psycopg
import pytest

from resettle.reporting.bulletin import TOP_PROJECTS, write_bulletin

pytestmark = pytest.mark.integration


def _rows(sheet) -> list[dict]:
    """Sheet rows as dicts by header (the header is the first row after the title)."""
    values = [r for r in sheet.iter_rows(values_only=True) if any(v is not None for v in r)]
    header, *rows = values[1:]
    return [dict(zip(header, row, strict=False)) for row in rows]


def test_bulletin_figures_match_the_marts(world, tmp_path, artifacts):
    with psycopg.connect(world.admin_url) as conn:
        xlsx, page = write_bulletin(conn, world.latest, tmp_path)
        progress = {
            r[0]: r[1:]
            for r in conn.execute(
                "select district_name_zh, households_total, households_unresettled, percent_resettled,"
                " resettled_this_month from marts.district_monthly_progress where period = %s",
                (world.latest,),
            )
        }
        previous = {
            r[0]: r[1]
            for r in conn.execute(
                "select district_name_zh, percent_resettled from marts.district_monthly_progress where period = %s",
                ("2026-09",),
            )
        }
        top = [
            r[0]
            for r in conn.execute(
                "select project_code from marts.project_joint_review where period = %s and is_in_scope"
                " order by priority_score desc, project_code limit %s",
                (world.latest, TOP_PROJECTS),
            )
        ]
        flagged = {
            r[0]
            for r in conn.execute(
                "select project_code from marts.project_joint_review where period = %s and flag_count > 0",
                (world.latest,),
            )
        }
        has_timeliness = conn.execute("select to_regclass('marts.submission_timeliness')").fetchone()[0]
        late = set()
        if has_timeliness:
            late = {
                r[0]
                for r in conn.execute(
                    "select source_name_zh from marts.submission_timeliness where period = %s"
                    " and (late > 0 or missing > 0 or rejected > 0)",
                    (world.latest,),
                )
            }
    (artifacts / xlsx.name).write_bytes(xlsx.read_bytes())
    (artifacts / page.name).write_text(page.read_text(encoding="utf-8"), encoding="utf-8")

    book = openpyxl.load_workbook(xlsx)
    assert book.sheetnames == [
        "环比变化",
        "区排名",
        "迟报缺报",
        "重点项目",
        "一致性问题",
        "类别与范围变化",
        "产权办理",
        "信访",
        "督办事项",
    ]
    ranking = _rows(book["区排名"])
    assert {r["区"] for r in ranking} == set(progress)
    for row in ranking:
        total, unresettled, percent, this_month = progress[row["区"]]
        assert (row["涉及户数"], row["未安置户数"], row["本月新增安置户数"]) == (total, unresettled, this_month)
        assert row["安置完成率(%)"] == pytest.approx(float(percent))
        assert row["完成率环比(百分点)"] == pytest.approx(float(percent) - float(previous[row["区"]]), abs=0.05)
    assert [r["名次"] for r in ranking] == list(range(1, len(ranking) + 1))
    assert [r["安置完成率(%)"] for r in ranking] == sorted((r["安置完成率(%)"] for r in ranking), reverse=True)

    assert [r["项目编号"] for r in _rows(book["重点项目"])] == top
    assert {r["项目编号"] for r in _rows(book["一致性问题"])} == flagged
    if has_timeliness:
        assert {r["报送单位"] for r in _rows(book["迟报缺报"])} == late

    with psycopg.connect(world.admin_url) as conn:
        issued = dict(
            conn.execute(
                "select district_name_zh, issued from marts.certificate_progress where period = %s", (world.latest,)
            ).fetchall()
        )
        open_cases = conn.execute(
            "select count(*) filter (where is_open) from marts.petition_cases where period = %s", (world.latest,)
        ).fetchone()[0]
    assert {r["区"]: r["已发证"] for r in _rows(book["产权办理"])} == issued
    assert sum(r["在办"] for r in _rows(book["信访"])) == open_cases

    summary = {r["指标"]: r for r in _rows(book["环比变化"])}
    assert summary["未安置户数"]["本月"] == sum(v[1] for v in progress.values())
    cells = [c for s in book.worksheets for row in s.iter_rows() for c in row]
    assert not [c for c in cells if c.data_type == "f"]

    html = page.read_text(encoding="utf-8")
    assert "size: A4" in html and "<thead>" in html
    assert all(name in html for name in progress)


def test_bulletin_prints_to_pdf_when_a_chromium_is_installed(world, tmp_path):
    from resettle.reporting.bulletin import find_chromium, html_to_pdf

    if not find_chromium():
        pytest.skip("no Chromium on this machine")
    with psycopg.connect(world.admin_url) as conn:
        _, page = write_bulletin(conn, world.latest, tmp_path)
    assert html_to_pdf(page).read_bytes().startswith(b"%PDF")


def test_bulletin_first_page_shows_the_change_and_the_charts(world, browser, artifacts, tmp_path):
    from resettle.reporting.dashboard.figures import COUNT_COLUMNS, headline

    columns = ["district", "period", *COUNT_COLUMNS]
    with psycopg.connect(world.admin_url) as conn:
        _, page_path = write_bulletin(conn, world.latest, tmp_path)
        rows = conn.execute(f"select {', '.join(columns)} from marts.district_monthly_progress").fetchall()
    import pandas as pd

    progress = pd.DataFrame(rows, columns=columns)
    unresettled = next(f for f in headline(progress, world.latest) if f.key == "households_unresettled")
    page = browser.new_page(viewport={"width": 794, "height": 1123}, locale="zh-CN")  # A4 at 96 dpi
    try:
        page.goto(page_path.resolve().as_uri())
        charts = page.locator("figure.chart svg")
        assert charts.count() == 3
        tiles = charts.nth(2).inner_html()
        assert all(name in tiles for name in ("泰山区", "兴安区", "向阳区", "工农区", "南山区", "兴山区"))
        assert "2026年9月" in charts.nth(0).inner_html() and "2026-09" not in charts.nth(0).inner_html()
        first_table = page.locator("table").first.inner_text()
        assert f"{int(unresettled.change):,}" in first_table, "the change is the dashboard's figure"
        assert charts.nth(0).bounding_box()["y"] < 1123, "the charts are on the first page"
        page.screenshot(path=str(artifacts / "bulletin_first_page.png"))
    finally:
        page.close()
