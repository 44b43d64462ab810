"""Turn a parsed file's text cells into typed values, the way a careful clerk would read them.

Full-width digits, thousands separators, stray spaces and the date forms offices use are accepted; a cell
that cannot be read as its column's type becomes a finding that names the row, the header as written and
the value, and the value is left empty so the rest of the file can still be checked.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import pandas as pd

from resettle import reference
from resettle.contracts import Column, Contract, contract
from resettle.identifiers import id_problem, phone_problem, uscc_problem
from resettle.intake.parse import ParsedFile

DISPOSAL_CATEGORIES = {"自愿放弃": 1, "继续建设": 2, "主体灭失": 3, "不配合": 4, "正常在建": 5}
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
_FLOAT_ID = re.compile(r"^\d(\.\d+)?[eE]\+?\d+$|^\d+\.\d+$")


@dataclass(frozen=True)
class Finding:
    """One problem in one cell (or row, or file), in the words a clerk reads."""

    row: int | None
    column: str | None
    value: str | None
    message_zh: str
    severity: str = "error"
    check: str = "type"


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
    m = (re.fullmatch(r"(\d{4})[-/.年](\d{1,2})月?", t) or re.fullmatch(r"(\d{4})(\d{2})", t)
         or re.fullmatch(r"(\d{4})-(\d{2})-\d{2}", t))
    if not m or not 1 <= int(m[2]) <= 12:
        raise CellError("所属期应写成 YYYY-MM，如 2026-10（请将单元格设为文本格式）")
    return f"{m[1]}-{int(m[2]):02d}"


_CATEGORY_RE = re.compile(r"^([1-5])(?:\D.*)?$")


def parse_disposal_category(text: str) -> int:
    """1-5, a label (自愿放弃 …), or both (`2-继续建设`); a label must agree with its number."""
    t = fold(text).replace(" ", "")
    label = DISPOSAL_CATEGORIES.get(t.strip("()（）"))
    if label:
        return label
    m = _CATEGORY_RE.match(t)
    if m:
        number, rest = int(m[1]), t[1:].strip("-.、:：()（） ")
        if not rest or DISPOSAL_CATEGORIES.get(rest) == number:
            return number
    raise CellError("处置类别应为 1-5 或 自愿放弃/继续建设/主体灭失/不配合/正常在建")


def _convert(col: Column, text: str):
    if col.type in ("text", "enum"):
        return fold(text) if col.pattern else text.strip()
    if col.type == "integer":
        n = parse_number(text)
        if n != n.to_integral_value():
            raise CellError("应为整数")
        return int(n)
    if col.type == "decimal":
        return parse_number(text)
    if col.type == "date":
        return parse_date(text)
    if col.type == "yes_no":
        t = fold(text).lower()
        if t in YES:
            return True
        if t in NO:
            return False
        raise CellError("应填写“是”或“否”")
    if col.type == "id_number":
        t = fold(text).replace(" ", "")
        if _FLOAT_ID.match(t):
            raise CellError("身份证号被Excel当成了数字，后几位已经丢失。请把该列设置为“文本”格式后重新录入")
        return t.upper()
    if col.type in ("uscc", "phone"):
        return fold(text).replace(" ", "").upper()
    if col.type == "period":
        return parse_period(text)
    if col.type == "district":
        name = fold(text)
        d = reference.district_by_name_zh(name) or reference.districts().get(name)
        if d is None:
            raise CellError("不是本市的区名")
        return d.district
    if col.type == "disposal_category":
        return parse_disposal_category(text)
    raise AssertionError(col.type)


IDENTIFIER_CHECKS = {"id_number": id_problem, "uscc": uscc_problem, "phone": phone_problem}


def normalize(parsed: ParsedFile) -> tuple[pd.DataFrame, list[Finding]]:
    """Typed frame of the contract's columns (+ `source_row`, extras as `extra:<header>`) and the findings.

    Identifier problems are published as `_problem__<column>` columns so the validation suite checks them
    alongside everything else.
    """
    c: Contract = contract(parsed.dataset)
    findings = [
        Finding(None, c.column(name).header_zh, None, f"缺少必填列“{c.column(name).header_zh}”", check="column_exists")
        for name in parsed.missing_columns
    ]
    findings += [
        Finding(row, None, None, "填报说明（或填报人）行的下方还有数据，这些行未被读取；请把所有数据放在说明行上方",
                check="rows_after_notes")
        for row in parsed.rows_after_notes[:20]
    ]
    index = {name: j for j, name in enumerate(parsed.headers)}
    data: dict[str, list] = {"source_row": list(parsed.row_numbers)}
    for col in c.columns:
        j = index.get(col.name)
        header = parsed.columns.get(col.name, col.header_zh)
        values = []
        for row, number in zip(parsed.rows, parsed.row_numbers, strict=True):
            text = row[j] if j is not None else None
            if text is None or not str(text).strip():
                values.append(None)
                continue
            try:
                values.append(_convert(col, str(text)))
            except CellError as err:
                findings.append(Finding(number, header, str(text), str(err)))
                values.append(None)
        data[col.name] = values
        check = IDENTIFIER_CHECKS.get(col.type)
        if check:
            data[f"_problem__{col.name}"] = [check(v) if isinstance(v, str) else None for v in values]
    for name in parsed.headers:
        if name.startswith("extra:"):
            j = index[name]
            data[name] = [row[j] for row in parsed.rows]
    frame = pd.DataFrame(data)
    for col in c.columns:
        if col.type == "date":
            frame[col.name] = pd.to_datetime(frame[col.name], errors="coerce")
        elif col.type in ("integer", "disposal_category"):
            frame[col.name] = frame[col.name].astype("Int64")
        elif col.type == "decimal":
            frame[col.name] = pd.to_numeric(frame[col.name].map(lambda v: None if v is None else float(v)))
        elif col.type == "yes_no":
            frame[col.name] = frame[col.name].astype("boolean")
    return frame, findings
