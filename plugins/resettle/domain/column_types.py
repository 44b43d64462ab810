"""The column types a contract may use, each described once: what the warehouse stores it as, how the intake
reads it, and how a template and a validation message name it.

The contracts (`expectations/contracts/*.yml`) give each column one of these types; the raw tables
(`warehouse.schema`), the normalizer (`intake.normalize`), the suite's messages (`intake.suite`) and the blank
templates (`reporting.templates`) ask this registry instead of keeping their own lists.
"""

from __future__ import annotations

from dataclasses import dataclass


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


COLUMN_TYPES: dict[str, ColumnType] = {
    t.name: t
    for t in (
        ColumnType("text", "文本", vectorized=True, min_width=20),
        ColumnType("code", "编号", vectorized=True, typed_freely=True),
        ColumnType("integer", "整数", sql_type="integer", format_zh="整数", number_format="0", noun_zh="数值"),
        ColumnType(
            "decimal", "数值", sql_type="numeric", format_zh="数字，可带小数", number_format="#,##0.00", noun_zh="数值"
        ),
        ColumnType(
            "date",
            "日期",
            sql_type="date",
            format_zh="YYYY-MM-DD，如 2019-11-11",
            number_format="yyyy-mm-dd",
            min_width=13,
            noun_zh="日期",
        ),
        ColumnType("enum", "下拉选择", vectorized=True),
        ColumnType("yes_no", "是否", sql_type="boolean"),
        ColumnType(
            "id_number",
            "身份证号",
            vectorized=True,
            typed_freely=True,
            format_zh="18位，末位可为X，按文本录入",
            min_width=22,
        ),
        ColumnType(
            "uscc",
            "统一社会信用代码",
            vectorized=True,
            typed_freely=True,
            format_zh="18位数字或大写字母，按文本录入",
            min_width=24,
        ),
        ColumnType(
            "phone",
            "电话",
            vectorized=True,
            typed_freely=True,
            format_zh="11位手机号或带区号的固定电话，如 0468-3456789",
            min_width=16,
        ),
        ColumnType("period", "所属期", typed_freely=True, format_zh="YYYY-MM，如 2026-10", min_width=10),
        ColumnType("district", "下拉选择"),
        ColumnType("disposal_category", "下拉选择", sql_type="smallint"),
    )
}
"""`code`: a key the sender assigns (project, household, unit codes). Opaque: compared after trimming and
folding full-width forms and case (`intake.normalize.normalize_codes`), never held to a fixed form; an office
may set an expected form per source in the `code_patterns` seed (a warning)."""


def column_type(name: str) -> ColumnType:
    return COLUMN_TYPES[name]
