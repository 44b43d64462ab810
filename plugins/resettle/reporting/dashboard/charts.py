"""Charts shared by the dashboard (altair, drawn by the browser, offline) and the bulletin (inline SVG).

The district map is a tile grid: one square per district, placed as the districts lie (positions and names
come from the `districts` seed), coloured by the chosen figure. No boundary file is needed and none is
shipped. The bulletin's charts are SVG text built here (vl-convert is not a dependency), so the printed page
needs no script, no network and no image file.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import altair as alt
import pandas as pd

from resettle.domain import reference

FONT = '"Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", sans-serif'
BAR = "#2f6f9f"
LOW, HIGH = (0xE8, 0xF1, 0xF8), (0x1F, 0x4E, 0x79)
"""The map's colour ramp (light to dark blue): darker is more, whatever the figure."""

MAP_FIGURES = {
    "households_unresettled": ("未安置户数", False),
    "percent_resettled": ("安置完成率(%)", True),
    "resettled_this_month": ("本月新增安置", False),
    "projects": ("项目数", False),
    "priority_projects": ("重点项目数", False),
}
"""Figures a reader may colour the district map by: column → (label, is a percentage)."""


def number(value, percent: bool = False) -> str:
    if value is None or pd.isna(value):
        return "—"
    return f"{float(value):.1f}%" if percent else f"{float(value):,.0f}"


# ---- altair (dashboard) -------------------------------------------------------------------------------------


def trend_chart(trend: pd.DataFrame, value: str = "percent_resettled", title: str = "安置完成率(%)") -> alt.Chart:
    """A line by month, the months written `2026年9月`, in calendar order."""
    order = trend.sort_values("period").month_zh.tolist()
    return (
        alt.Chart(trend)
        .mark_line(point=True)
        .encode(
            x=alt.X("month_zh:O", title="报送期", sort=order, axis=alt.Axis(labelAngle=0)),
            y=alt.Y(f"{value}:Q", title=title, scale=alt.Scale(domain=[0, 100])),
            tooltip=[
                alt.Tooltip("month_zh", title="报送期"),
                alt.Tooltip(value, title=title),
                alt.Tooltip("households_resettled", title="已安置户数", format=","),
            ],
        )
    )


def ranked_bars(
    frame: pd.DataFrame, value: str, title: str, label: str = "district_name_zh", percent: bool = False
) -> alt.LayerChart:
    """Horizontal bars, largest first, each with its figure written at its end; rates on their 0–100 scale."""
    data = frame[[label, value]].copy()
    data[value] = pd.to_numeric(data[value])
    data["text"] = [number(v, percent) for v in data[value]]
    base = alt.Chart(data).encode(
        y=alt.Y(f"{label}:N", sort="-x", title=None),
        x=alt.X(f"{value}:Q", title=title, scale=alt.Scale(domain=[0, 100]) if percent else alt.Undefined),
        tooltip=[alt.Tooltip(label, title="区"), alt.Tooltip("text", title=title)],
    )
    return base.mark_bar(color=BAR) + base.mark_text(align="left", dx=3).encode(text="text:N")


def stacked_bars(
    frame: pd.DataFrame,
    x: tuple[str, str],
    y: str,
    color: tuple[str, str],
    tooltip: dict[str, str],
    axis: alt.Axis | None = None,
) -> alt.Chart:
    """Horizontal bars of a count (`x`: column, title) per `y` label, stacked by `color` (column, title),
    with `tooltip` columns and their titles."""
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X(f"{x[0]}:Q", title=x[1], axis=alt.Undefined if axis is None else axis),
            y=alt.Y(f"{y}:N", title=None),
            color=alt.Color(f"{color[0]}:N", title=color[1]),
            tooltip=[alt.Tooltip(column, title=title) for column, title in tooltip.items()],
        )
    )


def tile_frame(frame: pd.DataFrame, value: str) -> pd.DataFrame:
    """The district map's tiles: every district of the seed, with its position and the figure (None if none)."""
    figures = dict(zip(frame.district, pd.to_numeric(frame[value]), strict=False)) if len(frame) else {}
    percent = MAP_FIGURES.get(value, ("", False))[1]
    rows = [
        {
            "district": d.district,
            "name": d.name_zh,
            "row": d.tile_row,
            "col": d.tile_col,
            "value": figures.get(d.district),
            "shown": number(figures.get(d.district), percent),
        }
        for d in reference.districts().values()
    ]
    return pd.DataFrame(rows)


def tile_map(frame: pd.DataFrame, value: str) -> alt.LayerChart:
    """The district map as altair: squares in the districts' arrangement, coloured by the figure."""
    label = MAP_FIGURES[value][0]
    tiles = tile_frame(frame, value)
    size = 110
    base = alt.Chart(tiles).encode(
        x=alt.X("col:O", axis=None),
        y=alt.Y("row:O", axis=None),
        tooltip=[alt.Tooltip("name", title="区"), alt.Tooltip("shown", title=label)],
    )
    squares = base.mark_rect(stroke="white", strokeWidth=4).encode(
        color=alt.Color("value:Q", title=label, scale=alt.Scale(range=[_hex(LOW), _hex(HIGH)]))
    )
    names = base.mark_text(dy=-10, fontSize=14, fontWeight="bold").encode(
        text="name:N",
        color=alt.condition(alt.datum.value > tiles.value.median(), alt.value("white"), alt.value("black")),
    )
    figures = base.mark_text(dy=12, fontSize=13).encode(
        text="shown:N",
        color=alt.condition(alt.datum.value > tiles.value.median(), alt.value("white"), alt.value("black")),
    )
    columns = max(tiles.col) + 1
    rows = max(tiles.row) + 1
    return (squares + names + figures).properties(width=size * columns, height=size * rows)


def _hex(rgb: tuple[int, int, int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def ramp(value, low: float, high: float) -> str:
    """The map colour of a value between low and high (grey when there is none)."""
    if value is None or pd.isna(value):
        return "#dddddd"
    t = 0.0 if high <= low else (float(value) - low) / (high - low)
    return _hex(tuple(round(a + (b - a) * t) for a, b in zip(LOW, HIGH, strict=True)))


# ---- SVG (bulletin) -----------------------------------------------------------------------------------------


def _text(
    x: float, y: float, text: str, size: int = 12, anchor: str = "start", weight: str = "normal", fill: str = "#000"
) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" font-weight="{weight}" '
        f'fill="{fill}">{html.escape(str(text))}</text>'
    )


def _svg(width: int, height: int, title: str, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{html.escape(title)}" '
        f'style="font-family: {html.escape(FONT)}">'
        f"<title>{html.escape(title)}</title>" + "".join(body) + "</svg>"
    )


def svg_bars(items: Sequence[tuple[str, float | None]], title: str, percent: bool = False, width: int = 340) -> str:
    """Ranked horizontal bars (largest first) with the figure at the end of each bar; rates on a 0–100 scale."""
    items = sorted(items, key=lambda item: -(item[1] or 0))
    left, right, bar, gap, top = 56, 52, 18, 7, 28
    height = top + len(items) * (bar + gap) + 4
    largest = 100.0 if percent else max((v or 0 for _, v in items), default=0) or 1
    body = [_text(0, 16, title, 13, weight="bold")]
    for i, (name, value) in enumerate(items):
        y = top + i * (bar + gap)
        length = (width - left - right) * (value or 0) / largest
        body.append(_text(left - 6, y + bar * 0.72, name, 12, anchor="end"))
        body.append(f'<rect x="{left}" y="{y}" width="{length:.1f}" height="{bar}" fill="{BAR}"/>')
        body.append(_text(left + length + 4, y + bar * 0.72, number(value, percent), 12))
    return _svg(width, height, title, body)


def svg_trend(
    points: Sequence[tuple[str, float | None]], title: str, percent: bool = True, width: int = 330, height: int = 190
) -> str:
    """A line by month; labels as given (e.g. `2026年9月`), values written above the points. A rate is drawn on
    its whole 0–100 scale and a count from zero, so a small change never looks like a large one."""
    left, right, top, bottom = 44, 34, 30, 30
    values = [float(v) for _, v in points if v is not None]
    low, high = 0.0, 100.0 if percent else max(values or [1.0]) * 1.1 or 1.0
    step = (width - left - right) / max(len(points) - 1, 1)

    def y_of(v: float) -> float:
        return top + (height - top - bottom) * (1 - (v - low) / (high - low))

    body = [
        _text(0, 16, title, 13, weight="bold"),
        f'<line x1="{left}" y1="{height - bottom}" x2="{width - right}" y2="{height - bottom}" stroke="#888"/>',
        _text(left - 4, top + 4, f"{high:.0f}%" if percent else number(high, percent), 10, anchor="end", fill="#666"),
        _text(
            left - 4, height - bottom, f"{low:.0f}%" if percent else number(low, percent), 10, anchor="end", fill="#666"
        ),
    ]
    coords = []
    for i, (label, value) in enumerate(points):
        x = left + i * step if len(points) > 1 else (width - right + left) / 2
        body.append(_text(x, height - bottom + 16, label, 11, anchor="middle"))
        if value is not None:
            coords.append((x, y_of(float(value))))
            body.append(f'<circle cx="{x:.1f}" cy="{y_of(float(value)):.1f}" r="3.5" fill="{BAR}"/>')
            body.append(_text(x, y_of(float(value)) - 8, number(value, percent), 11, anchor="middle"))
    if len(coords) > 1:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
        body.insert(4, f'<polyline points="{path}" fill="none" stroke="{BAR}" stroke-width="2"/>')
    return _svg(width, height, title, body)


def svg_tiles(frame: pd.DataFrame, value: str, title: str | None = None, size: int = 84) -> str:
    """The district map as SVG: one square per district in its place, coloured by the figure."""
    label, percent = MAP_FIGURES[value]
    tiles = tile_frame(frame, value)
    known = tiles.value.dropna()
    low, high = (float(known.min()), float(known.max())) if len(known) else (0.0, 1.0)
    top = 24
    width = size * (int(tiles.col.max()) + 1)
    height = top + size * (int(tiles.row.max()) + 1)
    body = [_text(0, 16, title or f"各区{label}", 13, weight="bold")]
    for tile in tiles.itertuples():
        x, y = tile.col * size, top + tile.row * size
        fill = ramp(tile.value, low, high)
        ink = (
            "#fff"
            if tile.value is not None
            and not pd.isna(tile.value)
            and high > low
            and (float(tile.value) - low) / (high - low) > 0.5
            else "#000"
        )
        body.append(f'<rect x="{x + 2}" y="{y + 2}" width="{size - 4}" height="{size - 4}" rx="6" fill="{fill}"/>')
        body.append(_text(x + size / 2, y + size / 2 - 4, tile.name, 14, anchor="middle", weight="bold", fill=ink))
        body.append(_text(x + size / 2, y + size / 2 + 16, number(tile.value, percent), 13, anchor="middle", fill=ink))
    return _svg(width, height, title or f"各区{label}", body)
