"""Every dashboard table (预警 included) shows its period column as readers say a month, export too."""

from __future__ import annotations

import pandas as pd

from resettle.reporting.dashboard.views.common import months_labelled


def test_a_period_column_reads_as_a_chinese_month_and_other_columns_stay():
    frame = pd.DataFrame({"period": ["2026-09", "2026-10", None], "title_zh": ["2026-09", "b", "c"]})
    shown = months_labelled(frame)
    assert shown["period"].tolist()[:2] == ["2026年9月", "2026年10月"] and pd.isna(shown["period"].iloc[2])
    assert shown["title_zh"].tolist() == ["2026-09", "b", "c"]
    assert frame["period"].tolist()[0] == "2026-09", "the caller's frame is not changed"


def test_a_table_without_a_period_column_is_left_alone():
    frame = pd.DataFrame({"district": ["taishan"]})
    assert months_labelled(frame) is frame
