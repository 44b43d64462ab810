"""Mistakes clerks really make, injected into a few files so that validation and receipts can be tried.

Each kind of mistake lands in one file of one district (or department) and month, chosen from the seed;
every injection is recorded with the row and header a clerk would look at, and the value now in the cell.
Clean files stay clean: the world itself is never changed, only the table about to be written.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass

from resettle.devtools.generator.reports import Table
from resettle.devtools.generator.world import DISPLACED, EXCHANGE, NO_AGREEMENT, ONSITE, RENTAL, UNDECIDED
from resettle.devtools.generator.writers import HABITS, Verbatim, text_date
from resettle.domain.config import DISTRICTS
from resettle.domain.identifiers import USCC_ALPHABET, id_check_char, uscc_check_char

Row = dict[str, object]


@dataclass
class Injection:
    """One mistake placed in a table; `row` is None when the mistake is about the header (a missing column)."""

    kind: str
    description_zh: str
    table: Table
    row: Row | None
    column: str
    value: object


@dataclass(frozen=True)
class Kind:
    name: str
    dataset: str
    description_zh: str
    apply: Callable[[random.Random, Table, set[int]], tuple[Row | None, str, object] | None]
    prefers: str | None = None


def _pick(rng: random.Random, table: Table, used: set[int], test: Callable[[Row], bool]) -> Row | None:
    candidates = [r for r in table.rows if id(r) not in used and test(r)]
    if not candidates:
        return None
    row = rng.choice(candidates)
    used.add(id(row))
    return row


def _set(row: Row | None, column: str, value: object) -> tuple[Row, str, object] | None:
    if row is None:
        return None
    row[column] = value
    return row, column, value


def _id_float(rng, table, used):
    row = _pick(rng, table, used, lambda r: str(r["id_number"])[-1].isdigit())
    if row is None:
        return None
    as_float = float(int(str(row["id_number"])[:15]) * 1000)
    return _set(row, "id_number", Verbatim(as_float))


def _id_first_generation(rng, table, used):
    row = _pick(rng, table, used, lambda r: str(r["id_number"])[6:8] == "19")
    if row is None:
        return None
    number = str(row["id_number"])
    return _set(row, "id_number", Verbatim(number[:6] + number[8:17]))


def _id_check_char(rng, table, used):
    row = _pick(rng, table, used, lambda r: True)
    number = str(row["id_number"])
    wrong = rng.choice([c for c in "0123456789X" if c != id_check_char(number[:17])])
    return _set(row, "id_number", Verbatim(number[:17] + wrong))


def _phone_ten_digits(rng, table, used):
    row = _pick(rng, table, used, lambda r: isinstance(r["phone"], str) and r["phone"].startswith("1"))
    if row is None:
        return None
    cut = rng.randrange(3, 11)
    return _set(row, "phone", Verbatim(row["phone"][:cut] + row["phone"][cut + 1 :]))


def _date_invalid(rng, table, used):
    row = _pick(rng, table, used, lambda r: r["agreement_date"] is not None)
    if row is None:
        return None
    month, day = rng.choice(((2, 30), (2, 31), (4, 31), (6, 31), (9, 31), (11, 31)))
    year = row["agreement_date"].year
    return _set(row, "agreement_date", Verbatim(_impossible_date(table, year, month, day)))


def _impossible_date(table: Table, year: int, month: int, day: int) -> str:
    """A date that does not exist, typed in the form this office types dates (text even in a date column)."""
    style = HABITS[table.source].date_style
    style = "iso" if style == "cell" else style
    real = text_date(dt.date(year, month, 1), style)
    return real[: -len("01" if style == "iso" else "1日" if style == "zh" else "1")] + (
        f"{day}日" if style == "zh" else str(day)
    )


def _enum_unknown(rng, table, used):
    row = _pick(rng, table, used, lambda r: r["resettlement_choice"] == ONSITE) or _pick(
        rng, table, used, lambda r: not r["resettled"]
    )
    return _set(row, "resettlement_choice", "回迁")


def _rental_for_displaced(rng, table, used):
    row = _pick(
        rng,
        table,
        used,
        lambda r: (
            r["household_type"] == DISPLACED
            and not r["resettled"]
            and r["agreement_type"] == NO_AGREEMENT
            and r["resettlement_choice"] in (EXCHANGE, UNDECIDED)
        ),
    )
    return _set(row, "resettlement_choice", RENTAL)


def _onsite_without_commitment(rng, table, used):
    row = _pick(rng, table, used, lambda r: r["resettlement_choice"] == ONSITE)
    if row is not None:
        row["agreement_date"] = None
        return _set(row, "agreement_type", NO_AGREEMENT)
    row = _pick(rng, table, used, lambda r: r["resettlement_choice"] == UNDECIDED)
    return _set(row, "resettlement_choice", ONSITE)


def _resettled_without_date(rng, table, used):
    row = _pick(rng, table, used, lambda r: r["resettled"])
    return _set(row, "resettled_date", None)


def _household_code_duplicate(rng, table, used):
    row = _pick(rng, table, used, lambda r: True)
    copy = dict(row)
    used.add(id(copy))
    table.rows.insert(table.rows.index(row) + 1, copy)
    return copy, "household_code", copy["household_code"]


def _project_not_in_ledger(rng, table, used):
    row = _pick(rng, table, used, lambda r: True)
    codes = {str(r["project_code"]) for r in table.rows}
    code = str(row["project_code"])
    for year in (int(code[2:6]) + 1, int(code[2:6]) - 1):
        candidate = f"{code[:2]}{year}{code[6:]}"
        if candidate not in codes:
            return _set(row, "project_code", candidate)
    return _set(row, "project_code", f"{code[:7]}9{code[8:]}")


def _uscc_check_char(column: str):
    def apply(rng, table, used):
        row = _pick(rng, table, used, lambda r: bool(r[column]))
        if row is None:
            return None
        code = str(row[column])
        wrong = rng.choice([c for c in USCC_ALPHABET if c != uscc_check_char(code[:17])])
        return _set(row, column, Verbatim(code[:17] + wrong))

    return apply


def _unresettled_above_total(rng, table, used):
    row = _pick(rng, table, used, lambda r: r["households_total"] > 0)
    return _set(row, "households_unresettled", row["households_total"] + rng.randint(1, 12))


def _column_missing(column: str):
    def apply(rng, table, used):
        if column not in table.columns:
            return None
        table.columns.remove(column)
        return None, column, None

    return apply


def _filed_on_leap_day(rng, table, used):
    row = _pick(rng, table, used, lambda r: True)
    year = rng.choice((2018, 2019, 2021, 2022, 2023))
    return _set(row, "filed_date", Verbatim(_impossible_date(table, year, 2, 29)))


KINDS = (
    Kind(
        "id_number_excel_float",
        "household_roster",
        "身份证号被Excel转成科学计数法，后三位丢失",
        _id_float,
        prefers="xlsx",
    ),
    Kind("id_number_15_digits", "household_roster", "填写了15位一代身份证号", _id_first_generation),
    Kind("id_check_char_wrong", "household_roster", "身份证号校验码录错", _id_check_char),
    Kind("phone_ten_digits", "household_roster", "手机号少录一位", _phone_ten_digits),
    Kind("date_invalid", "household_roster", "协议签订日期不存在", _date_invalid, prefers="xlsx"),
    Kind("enum_unknown", "household_roster", "安置方式填写了不在选项内的值", _enum_unknown),
    Kind("rental_for_displaced", "household_roster", "被动迁居民选择了租赁住房", _rental_for_displaced),
    Kind(
        "onsite_return_without_commitment",
        "household_roster",
        "选择原址回迁但未签回迁安置承诺书",
        _onsite_without_commitment,
    ),
    Kind("resettled_without_date", "household_roster", "已安置但未填安置日期", _resettled_without_date),
    Kind("household_code_duplicate", "household_roster", "同一户重复填报", _household_code_duplicate),
    Kind("project_code_not_in_ledger", "household_roster", "项目编号在项目台账中不存在", _project_not_in_ledger),
    Kind("uscc_check_char_wrong", "project_ledger", "统一社会信用代码校验码录错", _uscc_check_char("developer_uscc")),
    Kind("unresettled_above_total", "project_ledger", "未安置户数大于涉及户数", _unresettled_above_total),
    Kind(
        "required_column_missing",
        "monthly_progress",
        "缺少必填列：累计安置户数",
        _column_missing("resettled_cumulative"),
    ),
    Kind("uscc_check_char_wrong", "tax_status", "统一社会信用代码校验码录错", _uscc_check_char("uscc")),
    Kind("date_invalid", "police_cases", "立案日期为平年2月29日", _filed_on_leap_day),
)

_DEPARTMENT_OF = {"tax_status": "tax", "police_cases": "police"}


@dataclass(frozen=True)
class Target:
    kind: Kind
    month_index: int
    sources: tuple[str, ...]


def plan(seed: int, months: int) -> list[Target]:
    """Where each kind goes: three districts (at least one xlsx and one CSV office) take turns, and the kinds
    are dealt over the months in turn.

    District mistakes list the other districts as fallbacks, for a file that has no row the mistake fits.
    """
    rng = random.Random(f"{seed}/errors/plan")
    workbooks = [d for d in DISTRICTS if HABITS[d].fmt == "xlsx"]
    chosen = [rng.choice(workbooks), rng.choice([d for d in DISTRICTS if d not in workbooks])]
    chosen.append(rng.choice([d for d in DISTRICTS if d not in chosen]))
    fallbacks = tuple(d for d in DISTRICTS if d not in chosen)
    offset = rng.randrange(months)
    targets = []
    for i, kind in enumerate(KINDS):
        month_index = (i + offset) % months
        if kind.dataset in _DEPARTMENT_OF:
            targets.append(Target(kind, month_index, (_DEPARTMENT_OF[kind.dataset],)))
            continue
        turn = chosen[i % 3 :] + chosen[: i % 3]
        if kind.prefers:
            turn.sort(key=lambda d: HABITS[d].fmt != kind.prefers)
        targets.append(Target(kind, month_index, (*turn, *fallbacks)))
    return targets


def inject(seed: int, month_index: int, targets: list[Target], tables: dict[tuple[str, str], Table]) -> list[Injection]:
    """Apply this month's planned mistakes to the tables about to be written."""
    rng = random.Random(f"{seed}/errors/{month_index}")
    used: dict[tuple[str, str], set[int]] = {}
    done = []
    for target in targets:
        if target.month_index != month_index:
            continue
        for source in target.sources:
            table = tables[(source, target.kind.dataset)]
            placed = target.kind.apply(rng, table, used.setdefault((source, target.kind.dataset), set()))
            if placed is not None:
                row, column, value = placed
                done.append(Injection(target.kind.name, target.kind.description_zh, table, row, column, value))
                break
    return done
