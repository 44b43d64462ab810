"""Turn a parsed file's text cells into typed values, the way a careful clerk would read them.

Full-width digits, thousands separators, stray spaces and the date forms offices use are accepted; a cell
that cannot be read as its column's type becomes a finding that names the row, the header as written and
the value, and the value is left empty so the rest of the file can still be checked.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from decimal import Decimal, InvalidOperation

import numpy as np
import pandas as pd

from resettle.domain import reference
from resettle.domain.column_types import column_type
from resettle.domain.contracts import Column, Contract, contract
from resettle.domain.findings import Finding
from resettle.domain.identifiers import id_problems, phone_problems, uscc_problem
from resettle.intake.parse import ParsedFile

YES = {"是", "y", "yes", "true", "1", "有"}
NO = {"否", "n", "no", "false", "0", "无"}
_DATE_FORMS = (
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"),
    re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"),
    re.compile(r"^(\d{4})\.(\d{1,2})\.(\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)
_EXCEL_EPOCH = dt.date(1899, 12, 30)
EXCEL_FLOAT_ID = "身份证号被Excel当成了数字，后几位已经丢失。请把该列设置为“文本”格式后重新录入"
_FLOAT_ID = re.compile(r"^\d(\.\d+)?[eE]\+?\d+$|^\d+\.\d+$")


class CellError(ValueError):
    """A cell that cannot be read as its column's type."""


def fold(text: str) -> str:
    """Full-width to half-width and trimmed; Chinese characters are unchanged."""
    return unicodedata.normalize("NFKC", text).strip()


def parse_number(text: str) -> Decimal:
    cleaned = fold(text).replace(",", "").replace(" ", "").replace("，", "")
    try:
        return Decimal(cleaned)
    except InvalidOperation as err:
        raise CellError("不是有效的数字") from err


def parse_percent(text: str) -> Decimal:
    """A per-cent column's number: `35`, or `35%` as Excel shows a percent cell (stored as 0.35)."""
    t = fold(text)
    return parse_number(t[:-1] if t.endswith("%") else t)


def parse_date(text: str) -> dt.date:
    t = fold(text).replace(" ", "")
    if re.fullmatch(r"\d{5}(\.0+)?", t):
        return _EXCEL_EPOCH + dt.timedelta(days=int(float(t)))
    t = t.split("T")[0] if re.match(r"^\d{4}-\d{2}-\d{2}T", t) else t.split(" ")[0]
    for form in _DATE_FORMS:
        m = form.match(t)
        if m:
            try:
                return dt.date(int(m[1]), int(m[2]), int(m[3]))
            except ValueError as err:
                raise CellError("日期不存在（请检查年月日）") from err
    raise CellError("日期格式无法识别，请写成 2019-11-11、2019/11/11 或 2019年11月11日")


def parse_period(text: str) -> str:
    """A tax period: `2026-10`, `2026/10`, `202610`, `2026年10月`, or a date (an Excel date cell) in that month."""
    t = fold(text).replace(" ", "")
    m = (
        re.fullmatch(r"(\d{4})[-/.年](\d{1,2})月?", t)
        or re.fullmatch(r"(\d{4})(\d{2})", t)
        or re.fullmatch(r"(\d{4})-(\d{2})-\d{2}", t)
    )
    if not m or not 1 <= int(m[2]) <= 12:
        raise CellError("所属期应写成 YYYY-MM，如 2026-10（请将单元格设为文本格式）")
    return f"{m[1]}-{int(m[2]):02d}"


_CATEGORY_RE = re.compile(r"^(\d)(?:\D.*)?$")


def parse_disposal_category(text: str) -> int:
    """A number, a name (自愿放弃 …), or both (`2-继续建设`) of the `disposal_categories` seed; a name must
    agree with its number."""
    categories = reference.disposal_categories()
    by_name = {name: number for number, name in categories.items()}
    t = fold(text).replace(" ", "")
    named = by_name.get(t.strip("()（）"))
    if named:
        return named
    m = _CATEGORY_RE.match(t)
    if m and int(m[1]) in categories:
        number, rest = int(m[1]), t[1:].strip("-.、:：()（） ")
        if not rest or by_name.get(rest) == number:
            return number
    raise CellError(f"处置类别应为 {min(categories)}-{max(categories)} 或 {'/'.join(categories.values())}")


def normalize_code(text: str | None) -> str | None:
    """A code as the warehouse keys it: full-width forms folded, trimmed, upper case; empty is None.

    Codes are the sender's own (`XY2019-001`, `XY-2014-001`, `XY2014001` are all fine); only their spelling
    is normalised, so ` xy-２０１４-001` and `XY-2014-001` are one project. Applied to every `code` column
    here, and nowhere else.
    """
    if text is None:
        return None
    folded = str(text).translate(FULLWIDTH).strip().upper()
    return folded or None


def normalize_codes(values: pd.Series) -> pd.Series:
    """`normalize_code` for a column (vectorised)."""
    folded = fold_series(values.astype("string")).str.strip().str.upper()
    return folded.where(folded != "", None)


def _as_text(col: Column, text: str) -> str:
    return fold(text) if col.pattern else text.strip()


def _as_integer(col: Column, text: str) -> int:
    n = parse_number(text)
    if n != n.to_integral_value():
        raise CellError("应为整数")
    return int(n)


def _as_decimal(col: Column, text: str) -> Decimal:
    return parse_percent(text) if col.is_percent else parse_number(text)


def _as_yes_no(col: Column, text: str) -> bool:
    t = fold(text).lower()
    if t in YES:
        return True
    if t in NO:
        return False
    raise CellError("应填写“是”或“否”")


def _as_id_number(col: Column, text: str) -> str:
    t = fold(text).replace(" ", "")
    if _FLOAT_ID.match(t):
        raise CellError(EXCEL_FLOAT_ID)
    return t.upper()


def _as_identifier(col: Column, text: str) -> str:
    return fold(text).replace(" ", "").upper()


def _as_district(col: Column, text: str) -> str:
    name = fold(text)
    d = reference.district_by_name_zh(name) or reference.districts().get(name)
    if d is None:
        raise CellError("不是本市的区名")
    return d.district


CONVERTERS: dict[str, Callable[[Column, str], object]] = {
    "text": _as_text,
    "code": lambda col, text: normalize_code(text),
    "integer": _as_integer,
    "decimal": _as_decimal,
    "date": lambda col, text: parse_date(text),
    "enum": _as_text,
    "yes_no": _as_yes_no,
    "id_number": _as_id_number,
    "uscc": _as_identifier,
    "phone": _as_identifier,
    "period": lambda col, text: parse_period(text),
    "district": _as_district,
    "disposal_category": lambda col, text: parse_disposal_category(text),
}
"""How one cell of each column type (resettle.domain.column_types) is read; a unit test keeps the two in step."""


def _convert(col: Column, text: str):
    return CONVERTERS[col.type](col, text)


FULLWIDTH = {**{code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}, 0x3000: 0x20}
"""Full-width ASCII forms (Ａ１２，) to their half-width letters, digits and punctuation."""


def fold_series(values: pd.Series) -> pd.Series:
    """Full-width to half-width, only where a full-width character occurs (most columns have none)."""
    wide = values.str.contains("[\uff01-\uff5e\u3000]", regex=True).fillna(False).to_numpy(dtype=bool)
    if not wide.any():
        return values
    folded = values.copy()
    folded[wide] = values[wide].str.translate(FULLWIDTH).str.strip()
    return folded


def _texts_as_text(col: Column, values: pd.Series, errors: pd.Series) -> pd.Series:
    return fold_series(values) if col.pattern else values


def _texts_as_identifier(col: Column, values: pd.Series, errors: pd.Series) -> pd.Series:
    return fold_series(values).str.replace(" ", "", regex=False).str.upper()


def _texts_as_id_number(col: Column, values: pd.Series, errors: pd.Series) -> pd.Series:
    folded = fold_series(values).str.replace(" ", "", regex=False)
    excel_float = folded.str.fullmatch(_FLOAT_ID.pattern).fillna(False)
    errors[excel_float[excel_float].index] = EXCEL_FLOAT_ID
    return folded.str.upper().mask(excel_float)


VECTOR_CONVERTERS: dict[str, Callable[[Column, pd.Series, pd.Series], pd.Series]] = {
    "text": _texts_as_text,
    "code": lambda col, values, errors: normalize_codes(values),
    "enum": _texts_as_text,
    "id_number": _texts_as_id_number,
    "uscc": _texts_as_identifier,
    "phone": _texts_as_identifier,
}
"""How a whole column of each `vectorized` type is read (the cell converters above, column-wise); a converter
writes a cell's problem into `errors`. A unit test keeps this in step with the registry."""

IDENTIFIER_PROBLEMS: dict[str, Callable[[pd.Series], pd.Series]] = {
    "id_number": id_problems,
    "uscc": lambda values: _mapped_problem(values, uscc_problem),
    "phone": phone_problems,
}
"""Why each identifier of the types with an `identifier_check` is invalid (None where valid), checked by the
suite as a `_problem__<column>` column."""


def _vector_convert(col: Column, values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Columns whose values are mostly distinct (names, codes, IDs, phones), converted column-wise."""
    errors = pd.Series(None, index=values.index, dtype=object)
    return VECTOR_CONVERTERS[col.type](col, values, errors), errors


def _mapped_convert(col: Column, values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Columns with few distinct values (dates, numbers, codes): each distinct value is read once."""
    codes, uniques = pd.factorize(values)
    converted: list = []
    failed: list[str | None] = []
    for value in uniques:
        try:
            converted.append(_convert(col, str(value)))
            failed.append(None)
        except CellError as err:
            converted.append(None)
            failed.append(str(err))
    typed = _typed(col, pd.Series([*converted, None], dtype=object)).take(codes)
    errors = pd.Series(np.array([*failed, None], dtype=object)[codes], index=values.index)
    typed.index = values.index
    return typed, errors


def _typed(col: Column, values: pd.Series) -> pd.Series:
    dtype = column_type(col.type).pandas_dtype
    if dtype == "datetime":
        return pd.Series(pd.to_datetime(values, errors="coerce"))
    if dtype in ("Int64", "boolean"):
        return pd.Series(pd.array(values.tolist(), dtype=dtype))
    if dtype == "Float64":
        return pd.Series([None if v is None else float(v) for v in values], dtype="Float64")
    return values.astype("str")


CHUNK_ROWS = 100_000
"""Rows typed at a time when the typed rows are streamed on (`normalize(on_chunk=...)`)."""


def normalize(
    parsed: ParsedFile, on_chunk: Callable[[pd.DataFrame], None] | None = None
) -> tuple[pd.DataFrame, list[Finding]]:
    """Typed frame of the contract's columns (+ `source_row`, extras as `extra:<header>`) and the findings.

    Identifier problems are published as `_problem__<column>` columns so the validation suite checks them
    alongside everything else. Every row is typed on its own, so with `on_chunk` the rows are typed
    `CHUNK_ROWS` at a time and each typed chunk is handed on at once: the intake streams it to the warehouse
    while the next is typed. The frame and findings returned are the same either way.
    """
    c: Contract = contract(parsed.dataset)
    findings = [
        Finding(None, c.column(name).header_zh, None, f"缺少必填列“{c.column(name).header_zh}”", check="column_exists")
        for name in parsed.missing_columns
    ]
    if parsed.frame.empty and not parsed.missing_columns:
        findings.append(
            Finding(None, None, None, "文件中没有数据行（只有表头），请填写数据后重新报送", check="no_rows")
        )
    findings += [
        Finding(
            row,
            None,
            None,
            "填报说明（或填报人）行的下方还有数据，这些行未被读取；请把所有数据放在说明行上方",
            check="rows_after_notes",
        )
        for row in parsed.rows_after_notes[:20]
    ]
    source = parsed.frame
    rows = np.asarray(parsed.row_numbers)
    step = CHUNK_ROWS if on_chunk else max(len(source), 1)
    parts = []
    for start in range(0, max(len(source), 1), step):
        part, problems = _typed_rows(c, parsed, source.iloc[start : start + step], rows[start : start + step])
        findings += problems
        if on_chunk is not None and len(part):
            on_chunk(part)
        parts.append(part)
    frame = parts[0] if len(parts) == 1 else pd.concat(parts)
    return frame.reset_index(drop=True), findings


def _typed_rows(
    c: Contract, parsed: ParsedFile, source: pd.DataFrame, rows: np.ndarray
) -> tuple[pd.DataFrame, list[Finding]]:
    """The typed frame of these rows of the file, and the cells that could not be read."""
    findings: list[Finding] = []
    data: dict[str, object] = {"source_row": rows}
    for col in c.columns:
        header = parsed.columns.get(col.name, col.header_zh)
        values = source[col.name] if col.name in source else pd.Series(None, index=source.index, dtype="str")
        vectorized = column_type(col.type).vectorized
        convert = _vector_convert if vectorized else _mapped_convert
        typed, errors = convert(col, values)
        bad = errors.notna().to_numpy()
        if bad.any():
            findings += [
                Finding(int(row), header, str(value), message)
                for row, value, message in zip(rows[bad], values[bad], errors[bad], strict=True)
            ]
        data[col.name] = typed.mask(errors.notna()) if bad.any() and vectorized else typed
        if column_type(col.type).identifier_check:
            data[f"_problem__{col.name}"] = IDENTIFIER_PROBLEMS[col.type](data[col.name])
    for name in parsed.headers:
        if name.startswith("extra:"):
            data[name] = source[name]
    return pd.DataFrame(data, index=source.index), findings


def _mapped_problem(values: pd.Series, check) -> pd.Series:
    problems = {v: check(v) for v in values.dropna().unique()}
    return values.map(problems).astype(object).where(values.notna(), None)
