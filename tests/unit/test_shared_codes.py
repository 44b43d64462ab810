"""A project code is the district's own key, so two districts may both use one: the second district's ledger
is refused with the other district's project named (the warehouse knows a project by its code alone), and
a department's file naming such a code is told it cannot be placed (pure context checks, on plain values)."""

from __future__ import annotations

import pandas as pd

from resettle.intake.context import PackageContext, add_context_columns


def test_a_ledger_code_another_district_uses_is_named_with_that_districts_project():
    frame = pd.DataFrame({"project_code": ["2019-001", "2021-003", None], "project_name": ["甲", "乙", "丙"]})
    ctx = PackageContext(own_district="xingshan", other_districts={"2019-001": ("gongnong", "工农区红旗棚改回迁楼")})
    problems = add_context_columns(frame, "project_ledger", ctx)
    [shared] = [p for p in problems if p.name == "ctx_code_shared"]
    assert (shared.blame, shared.severity, shared.check) == ("project_code", "error", "code_shared_across_districts")
    first, second, third = frame["_problem__ctx_code_shared"]
    assert "项目编号2019-001已被工农区的项目台账使用" in first and "工农区红旗棚改回迁楼" in first
    assert pd.isna(second) and pd.isna(third)


def test_a_ledger_without_other_districts_has_nothing_to_flag():
    frame = pd.DataFrame({"project_code": ["2019-001"], "project_name": ["甲"]})
    add_context_columns(frame, "project_ledger", PackageContext(own_district="gongnong", other_districts={}))
    assert frame["_problem__ctx_code_shared"].isna().all()


def test_a_department_naming_a_code_two_districts_use_is_told_it_is_ambiguous():
    frame = pd.DataFrame({"project_code": ["2019-001", "XY2019-002"]})
    ctx = PackageContext(shared_codes={"2019-001": ("gongnong", "xingshan")})
    problems = add_context_columns(frame, "court_cases", ctx)
    assert [p.name for p in problems] == ["ctx_code_ambiguous"]
    ambiguous, fine = frame["_problem__ctx_code_ambiguous"]
    assert "项目编号2019-001在工农区和兴山区的项目台账中都有" in ambiguous and pd.isna(fine)
