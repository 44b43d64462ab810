"""The figures the dashboard and the bulletin share, and the charts drawn from them."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pandas as pd
import pytest

from resettle.domain import reference
from resettle.reporting.dashboard import charts
from resettle.reporting.dashboard.figures import COUNT_COLUMNS, headline, trend

PROGRESS = pd.DataFrame(
    [
        # district, period, projects, total, unresettled, resettled, priority, flagged
        ("xiangyang", "2026-09", 5, 100, 80, 20, 2, 1),
        ("nanshan", "2026-09", 3, 50, 50, 0, 1, 0),
        ("xiangyang", "2026-10", 5, 100, 70, 30, 2, 1),
        ("nanshan", "2026-10", 2, 40, 35, 5, 0, 2),
    ],
    columns=["district", "period", *COUNT_COLUMNS],
)
PROGRESS["percent_resettled"] = (100 * PROGRESS.households_resettled / PROGRESS.households_total).round(1)


def test_headline_figures_are_sums_with_their_change():
    figures = {f.key: f for f in headline(PROGRESS, "2026-10")}
    assert (figures["projects"].current, figures["projects"].previous, figures["projects"].change) == (7, 8, -1)
    assert figures["households_unresettled"].change_text() == "-25"
    rate = figures["percent_resettled"]
    assert (rate.current, rate.previous) == (25.0, 13.3), "rate of the sums, not a mean of the rates"
    assert rate.change_text() == "+11.7 个百分点" and rate.shown() == "25.0%"
    first = {f.key: f for f in headline(PROGRESS, "2026-09")}
    assert first["projects"].change is None and first["projects"].change_text() is None


def test_trend_writes_months_as_readers_do():
    months = trend(PROGRESS)
    assert months.month_zh.tolist() == ["2026年9月", "2026年10月"]
    assert months.percent_resettled.tolist() == [13.3, 25.0]


def test_the_district_map_places_every_district_of_the_seed_once():
    tiles = charts.tile_frame(PROGRESS[PROGRESS.period == "2026-10"], "households_unresettled")
    assert sorted(tiles.district) == sorted(reference.districts())
    assert len({(r, c) for r, c in zip(tiles.row, tiles.col, strict=True)}) == len(tiles), "no two tiles overlap"
    place = {d: (r, c) for d, r, c in zip(tiles.district, tiles.row, tiles.col, strict=True)}
    assert place["xingshan"][0] < place["xiangyang"][0] < place["nanshan"][0], "north to south"
    assert tiles.set_index("district").value.to_dict()["nanshan"] == 35
    assert pd.isna(tiles.set_index("district").value["taishan"])
    assert charts.tile_map(PROGRESS[PROGRESS.period == "2026-10"], "percent_resettled").to_dict()


@pytest.mark.parametrize(
    "svg",
    [
        charts.svg_bars([("向阳区", 30.0), ("南山区", 12.5)], "各区安置完成率", percent=True),
        charts.svg_trend([("2026年9月", 13.3), ("2026年10月", 25.0)], "全市安置完成率"),
        charts.svg_tiles(PROGRESS[PROGRESS.period == "2026-10"], "households_unresettled"),
    ],
)
def test_bulletin_charts_are_self_contained_svg(svg):
    root = ET.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert "href" not in svg and "<script" not in svg, "no external resource, no script"
    assert root.find("{http://www.w3.org/2000/svg}title").text


def test_svg_bars_put_the_largest_first_and_escape_text():
    svg = charts.svg_bars([("小", 1.0), ("<大>", 9.0)], "排名")
    assert svg.index("&lt;大&gt;") < svg.index(">小<")
