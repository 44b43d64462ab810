"""房源: the service center's units against what the districts' households need, per district and unit type."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from resettle.reporting.dashboard.data import Warehouse
from resettle.reporting.dashboard.views.common import rows_page, table

LABELS = {
    "district_name_zh": "区",
    "unit_type": "房源类型",
    "units_allocated_to_district": "分配至本区房源",
    "units_free": "待分配",
    "units_allocated": "已分配",
    "units_occupied": "已入住",
    "households_needing": "需房源户数",
    "households_needing_without_unit": "尚无房源户数",
    "shortfall": "缺口",
}
MEASURES = ("units_allocated_to_district", "households_needing")
"""What the chart sets side by side per district and unit type, named as in the table."""


@rows_page("房源供需", Warehouse.housing_supply, "{month}暂无房源数据")
def render(db: Warehouse, month: str, supply: pd.DataFrame) -> None:
    if "district_name_zh" not in supply.columns:
        names = db.progress()[["district", "district_name_zh"]].drop_duplicates()
        supply = supply.merge(names, on="district", how="left")
    cols = st.columns(3)
    cols[0].metric("需房源户数", f"{int(supply.households_needing.sum()):,}")
    cols[1].metric("待分配房源", f"{int(supply.units_free.sum()):,}")
    cols[2].metric("房源缺口", f"{int(supply.shortfall.sum()):,}")
    long = supply.melt(
        id_vars=["district_name_zh", "unit_type"],
        value_vars=list(MEASURES),
        var_name="measure",
        value_name="count",
    )
    long["measure"] = long.measure.map({m: LABELS[m] for m in MEASURES})
    st.altair_chart(
        alt.Chart(long)
        .mark_bar()
        .encode(
            x=alt.X("count:Q", title="套 / 户"),
            y=alt.Y("district_name_zh:N", title=None),
            color=alt.Color("measure:N", title=None),
            yOffset="measure:N",
            row=alt.Row("unit_type:N", title=None),
            tooltip=[
                alt.Tooltip("district_name_zh", title="区"),
                alt.Tooltip("unit_type", title="房源类型"),
                alt.Tooltip("measure", title="指标"),
                alt.Tooltip("count", title="数量"),
            ],
        )
    )
    table(supply[[c for c in LABELS if c in supply.columns]], "supply", f"房源供需_{month}", LABELS)
