"""The column types a contract may use, each described once: what the warehouse stores it as, how the intake
reads it, which values it may take (the GX expectation and the dbt test that hold a column to them), how a
template and a validation message name it, and how the synthetic generator writes it.

The contracts (`expectations/contracts/*.yml`) give each column one of these types; the raw tables
(`warehouse.schema`), the normalizer (`intake.normalize`), the suite (`intake.suite`), the staging models'
tests (`warehouse.staging`), the blank templates (`reporting.templates`) and the generator's writers ask this
registry instead of keeping their own lists.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from resettle.domain.reference import disposal_categories, districts

if TYPE_CHECKING:
    from resettle.domain.contracts import Column


@dataclass(frozen=True)
class ColumnType:
    name: str
    words_zh: str
    """How the template's column sheet names the type."""
    sql_type: str = "text"
    """The raw table's column type."""
    vectorized: bool = False
    """Read column-wise as text (folding, trimming); otherwise each distinct value is converted once."""
    typed_freely: bool = False
    """Held as text in Excel (`@`) and wider columns: identifiers and codes a clerk types digit by digit."""
    format_zh: str = ""
    """The form a template asks for, if any."""
    number_format: str | None = None
    """The Excel number format of a template's cells."""
    min_width: int = 0
    """The template column's least width (characters)."""
    noun_zh: str = "值"
    """What a range message calls the value (`约定面积的数值超出合理范围`)."""
    pandas_dtype: str = "str"
    """The dtype of the normalized frame's column (`Int64`, `Float64`, `boolean`, `datetime`, `str`)."""
    value_set: str | None = None
    """Where the allowed values come from: `contract` (the column's `allowed`), `districts` or
    `disposal_categories` (the seeds); None: any value of the type."""
    not_in_set_zh: str = ""
    """The clerk's sentence for a value outside the set (`{label}`, `{values}`, `{low}`, `{high}`)."""
    dbt_relationship: tuple[str, str] | None = None
    """The staging test holds the column to this seed's field (`relationships`) instead of a value list."""
    identifier_check: bool = False
    """Checked row by row in Python (check character, form): its problems reach the suite as a column."""
    written_as_text: bool = False
    """The generator stores it as a text cell (`@`), the way a careful clerk enters identifiers and codes."""
    choices_zh: tuple[str, ...] = ()
    """Fixed words a template's drop-down offers (是/否); value-set types offer their set's words instead."""

    def allowed_values(self, col: Column) -> tuple | None:
        """The values a column of this type may hold, or None when any value of the type is fine."""
        if self.value_set == "contract":
            return tuple(col.allowed) or None
        if self.value_set == "districts":
            return tuple(districts())
        if self.value_set == "disposal_categories":
            return tuple(disposal_categories())
        return None

    def template_choices(self, col: Column) -> tuple[str, ...]:
        """What a template's drop-down offers: the words a clerk picks, which the intake reads back (district
        and category names rather than codes); empty for a column typed freely."""
        if self.value_set == "contract":
            return tuple(col.allowed)
        if self.value_set == "districts":
            return tuple(d.name_zh for d in districts().values())
        if self.value_set == "disposal_categories":
            return tuple(disposal_categories().values())
        return self.choices_zh

    def not_in_set_message(self, col: Column) -> str:
        values = self.allowed_values(col) or ()
        return self.not_in_set_zh.format(
            label=col.header_zh,
            values="、".join(str(v) for v in values),
            low=min(values, default=""),
            high=max(values, default=""),
        )

    def dbt_tests(self, col: Column) -> list[dict]:
        """The dbt data tests of a staging column of this type that join another relation (a seed of its
        values); values listed in the contract are a rule of the model's `row_rules` test instead."""
        if self.dbt_relationship is None:
            return []
        seed, field = self.dbt_relationship
        return [{"relationships": {"arguments": {"to": f"ref('{seed}')", "field": field}}}]


def _identifier(name: str, words_zh: str, format_zh: str, min_width: int) -> ColumnType:
    """An identifier with a form of its own (ID number, USCC, phone): typed digit by digit and kept as text,
    read column-wise, and checked row by row for its form."""
    return ColumnType(
        name,
        words_zh,
        vectorized=True,
        typed_freely=True,
        format_zh=format_zh,
        min_width=min_width,
        identifier_check=True,
        written_as_text=True,
    )


COLUMN_TYPES: dict[str, ColumnType] = {
    t.name: t
    for t in (
        ColumnType("text", "文本", vectorized=True, min_width=20),
        ColumnType("code", "编号", vectorized=True, typed_freely=True, written_as_text=True),
        ColumnType(
            "integer",
            "整数",
            sql_type="integer",
            format_zh="整数",
            number_format="0",
            noun_zh="数值",
            pandas_dtype="Int64",
        ),
        ColumnType(
            "decimal",
            "数值",
            sql_type="numeric",
            format_zh="数字，可带小数",
            number_format="#,##0.00",
            noun_zh="数值",
            pandas_dtype="Float64",
        ),
        ColumnType(
            "date",
            "日期",
            sql_type="date",
            format_zh="YYYY-MM-DD，如 2019-11-11",
            number_format="yyyy-mm-dd",
            min_width=13,
            noun_zh="日期",
            pandas_dtype="datetime",
        ),
        ColumnType(
            "enum",
            "下拉选择",
            vectorized=True,
            value_set="contract",
            not_in_set_zh="“{label}”只能填写：{values}",
        ),
        ColumnType("yes_no", "是否", sql_type="boolean", pandas_dtype="boolean", choices_zh=("是", "否")),
        _identifier("id_number", "身份证号", "18位，末位可为X，按文本录入", min_width=22),
        _identifier("uscc", "统一社会信用代码", "18位数字或大写字母，按文本录入", min_width=24),
        _identifier("phone", "电话", "11位手机号或带区号的固定电话，如 0468-3456789", min_width=16),
        ColumnType("period", "所属期", typed_freely=True, format_zh="YYYY-MM，如 2026-10", min_width=10),
        ColumnType(
            "district",
            "下拉选择",
            value_set="districts",
            not_in_set_zh="“{label}”不是本市的区",
            dbt_relationship=("districts", "district"),
        ),
        ColumnType(
            "disposal_category",
            "下拉选择",
            sql_type="smallint",
            pandas_dtype="Int64",
            value_set="disposal_categories",
            not_in_set_zh="“{label}”应为 {low}-{high}",
        ),
    )
}
"""`code`: a key the sender assigns (project, household, unit codes). Opaque: compared after trimming and
folding full-width forms and case (`intake.normalize.normalize_codes`), never held to a fixed form; an office
may set an expected form per source in the `code_patterns` seed (a warning)."""


def column_type(name: str) -> ColumnType:
    return COLUMN_TYPES[name]
