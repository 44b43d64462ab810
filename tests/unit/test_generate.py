"""The synthetic landing zone: valid identifiers, consistent sources, reproducible files, recorded mistakes.

Files are read back the way the intake will meet them (openpyxl, pandas with the office's encoding), and
identifiers are checked with python-stdnum rather than the project's own code, so a shared bug cannot hide.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter, defaultdict
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pandas as pd
import pytest
from stdnum.cn import ric, uscc

from resettle.devtools.generator import MANIFEST, generate
from resettle.domain.config import DISTRICTS, SOURCES
from resettle.domain.contracts import DATASETS, contract, datasets_for
from resettle.domain.reference import districts

PERIOD = "2026-09"
MONTHS = 3
HOUSEHOLDS = 600
CATEGORY_LABELS = {"自愿放弃": 1, "继续建设": 2, "主体灭失": 3, "不配合": 4, "正常在建": 5}
DATE_FORMS = ("%Y-%m-%d", "%Y/%m/%d", "%Y年%m月%d日")


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    out = tmp_path_factory.mktemp("clean")
    return generate(out, PERIOD, months=MONTHS, seed=7, households=HOUSEHOLDS)


@pytest.fixture(scope="module")
def dirty(tmp_path_factory):
    out = tmp_path_factory.mktemp("dirty")
    return generate(out, PERIOD, months=2, seed=11, households=HOUSEHOLDS, inject_errors=True)


# ----- reading files back as a clerk's table -----------------------------------------------------------------


def _dataset_of(path: Path) -> list[str]:
    name = path.name.lower()
    return [d for d in DATASETS if any(k.lower() in name for k in contract(d).file_keywords)]


def _raw_rows(path: Path) -> list[list[object]]:
    if path.suffix == ".xlsx":
        wb = openpyxl.load_workbook(path, read_only=True)
        rows = [list(r) for r in wb.active.iter_rows(values_only=True)]
        wb.close()
        return rows
    data = path.read_bytes()
    encoding = "utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8"
    try:
        data.decode(encoding)
    except UnicodeDecodeError:
        encoding = "gbk"
    frame = pd.read_csv(path, encoding=encoding, header=None, dtype=str, keep_default_na=False)
    return frame.values.tolist()


def read_table(path: Path) -> tuple[int, list[str], list[dict[str, object]]]:
    """Header row number, headers as written, and data rows keyed by contract column name."""
    dataset = _dataset_of(path)[0]
    by_header = {h: c.name for c in contract(dataset).columns for h in c.headers}
    raw = _raw_rows(path)
    for i, row in enumerate(raw):
        cells = [c for c in row if c not in (None, "")]
        if cells and all(c in by_header for c in cells):
            header_index = i
            break
    else:
        raise AssertionError(f"no header row in {path.name}")
    headers = [c for c in raw[header_index] if c not in (None, "")]
    rows = []
    for row in raw[header_index + 1 :]:
        first = row[0]
        if all(c in (None, "") for c in row) or (isinstance(first, str) and first.startswith("填报")):
            break
        rows.append({by_header[h]: (None if v == "" else v) for h, v in zip(headers, row, strict=False)})
    return header_index + 1, headers, rows


def as_date(value: object) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    for form in DATE_FORMS:
        try:
            return dt.datetime.strptime(str(value), form).date()
        except ValueError:
            continue
    raise AssertionError(f"not a date: {value!r}")


def as_number(value: object) -> float | None:
    if value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value)
    return float(str(value).replace(",", ""))


def as_category(value: object) -> int:
    return CATEGORY_LABELS[value] if value in CATEGORY_LABELS else int(as_number(value))


def shown(value: object) -> str:
    """A cell as the manifest records it: dates in ISO form, numbers as Python prints them."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    return str(value)


def tables(report, dataset: str) -> dict[tuple[str, str], list[dict[str, object]]]:
    """(source, period) -> rows, for every file of one dataset."""
    return {(f.source, f.period): read_table(f.path)[2] for f in report.files if f.dataset == dataset}


def periods(report) -> list[str]:
    return sorted({f.period for f in report.files})


# ----- layout and reproducibility -------------------------------------------------------------------------


def test_every_source_sends_its_datasets_each_month_under_its_own_folder(clean):
    expected = {(s, d, p) for s in SOURCES for d in datasets_for(s) for p in periods(clean)}
    written = {(f.source, f.dataset, f.period) for f in clean.files}
    assert len(periods(clean)) == MONTHS
    assert written == expected
    for f in clean.files:
        assert f.path.parent == clean.out / f.source / f.period
        assert _dataset_of(f.path) == [f.dataset], f.path.name


def test_manifest_lists_every_file_with_its_row_count(clean):
    manifest = json.loads((clean.out / MANIFEST).read_text(encoding="utf-8"))
    assert (manifest["seed"], manifest["months"], manifest["households"]) == (7, MONTHS, HOUSEHOLDS)
    assert manifest["errors"] == []
    on_disk = {p.relative_to(clean.out).as_posix() for p in clean.out.rglob("*.*") if p.name != MANIFEST}
    assert {f["path"] for f in manifest["files"]} == on_disk
    for entry in manifest["files"][::5]:
        assert len(read_table(clean.out / entry["path"])[2]) == entry["rows"]


def test_same_seed_gives_identical_files_and_another_seed_does_not(clean, tmp_path):
    again = generate(tmp_path / "again", PERIOD, months=MONTHS, seed=7, households=HOUSEHOLDS)
    for first, second in zip(clean.files, again.files, strict=True):
        assert first.path.relative_to(clean.out) == second.path.relative_to(again.out)
        assert first.path.read_bytes() == second.path.read_bytes(), first.path.name
        assert first.path.stat().st_mtime == second.path.stat().st_mtime
    roster = next(f for f in clean.files if f.dataset == "household_roster" and f.path.suffix == ".xlsx")
    same = again.out / roster.path.relative_to(clean.out)
    assert read_table(roster.path) == read_table(same)

    other = generate(tmp_path / "other", PERIOD, months=1, seed=8, households=HOUSEHOLDS)
    mine = {r["id_number"] for rows in tables(clean, "household_roster").values() for r in rows}
    theirs = {r["id_number"] for rows in tables(other, "household_roster").values() for r in rows}
    assert not mine & theirs


def test_a_longer_run_starts_with_the_same_months(clean, tmp_path):
    short = generate(tmp_path / "short", PERIOD, months=1, seed=7, households=HOUSEHOLDS)
    for f in short.files:
        assert f.path.read_bytes() == (clean.out / f.path.relative_to(short.out)).read_bytes(), f.path.name


def test_files_arrive_in_their_month_mostly_before_the_deadline(clean):
    shanghai = ZoneInfo("Asia/Shanghai")
    late = Counter()
    for f in clean.files:
        received = dt.datetime.fromtimestamp(f.path.stat().st_mtime, shanghai)
        assert received == f.submitted_at
        assert f"{received:%Y-%m}" == f.period
        assert received.day >= 15 and 8 <= received.hour < 18
        if received.day > 25:
            late[f.period] += 1
    assert late, "some source should be late in three months"
    assert sum(1 for f in clean.files if f.submitted_at.day <= 24) > 0.8 * len(clean.files)


def test_each_office_keeps_its_own_file_shape(clean):
    shapes = {}
    for f in clean.files:
        data = f.path.read_bytes()
        if f.path.suffix == ".csv":
            shape = "utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8" if _is_utf8(data) else "gbk"
        else:
            shape = f"xlsx@{f.header_row}"
        shapes.setdefault(f.source, set()).add(shape)
    assert all(len(s) == 1 for s in shapes.values()), shapes
    kinds = {next(iter(s)) for s in shapes.values()}
    assert {"utf-8-sig", "utf-8", "gbk", "xlsx@1", "xlsx@2", "xlsx@3"} <= kinds
    tax = next(f for f in clean.files if f.source == "tax")
    assert read_table(tax.path)[1] == list(contract("tax_status").column_names)
    ledger = next(f for f in clean.files if f.source == "xiangyang" and f.dataset == "project_ledger")
    title = openpyxl.load_workbook(ledger.path).active["A1"].value
    assert title == f"向阳区逾期未回迁安置项目台账（{int(PERIOD[:4])}年{int(PERIOD[5:])}月）"


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def test_id_and_code_cells_are_text_in_every_workbook(clean):
    for f in clean.files:
        if f.path.suffix != ".xlsx":
            continue
        for row in read_table(f.path)[2]:
            for column in ("id_number", "household_code", "unit_code", "developer_uscc", "construction_permit_no"):
                if row.get(column) is not None:
                    assert isinstance(row[column], str), (f.path.name, column, row[column])


# ----- identifiers ------------------------------------------------------------------------------------------


def test_every_resident_id_is_valid_by_stdnum_and_from_heilongjiang(clean):
    hegang = {d.region_code for d in districts().values()}
    regions = Counter()
    for rows in tables(clean, "household_roster").values():
        for row in rows:
            assert re.fullmatch(r"\d{17}[\dXx]", row["id_number"]), row["id_number"]
            number = row["id_number"].upper()
            assert ric.calc_check_digit(number) == number[-1], number
            birth = ric.get_birth_date(number)
            assert dt.date(1930, 1, 1) <= birth <= dt.date(2000, 12, 31)
            assert number.startswith("23")
            regions["hegang" if number[:6] in hegang else "other"] += 1
    assert regions["hegang"] > 3 * regions["other"] > 0


def test_every_uscc_written_is_valid_by_stdnum(clean):
    columns = {
        "project_ledger": "developer_uscc",
        "construction_status": "developer_uscc",
        "court_cases": "defendant_uscc",
        "police_cases": "company_uscc",
        "tax_status": "uscc",
    }
    seen = 0
    for dataset, column in columns.items():
        for rows in tables(clean, dataset).values():
            for row in rows:
                if row[column] is not None:
                    assert uscc.is_valid(row[column]), row[column]
                    assert row[column][2:6] == "2304"
                    seen += 1
    assert seen > 100


# ----- one world, many views --------------------------------------------------------------------------------


def test_generate_refuses_a_period_it_cannot_simulate(tmp_path):
    with pytest.raises(ValueError):
        generate(tmp_path, "2026-13")
    with pytest.raises(ValueError):
        generate(tmp_path, "2019-06", households=100)
    assert not list(tmp_path.iterdir())


def test_ledger_counts_equal_the_roster_in_every_district_and_month(clean):
    rosters = tables(clean, "household_roster")
    for period in periods(clean):
        assert sum(len(rows) for (_, p), rows in rosters.items() if p == period) == HOUSEHOLDS
    for key, ledger in tables(clean, "project_ledger").items():
        roster = rosters[key]
        total = Counter(r["project_code"] for r in roster)
        unresettled = Counter(r["project_code"] for r in roster if r["resettled"] == "否")
        assert {r["project_code"] for r in ledger} == set(total)
        for row in ledger:
            assert as_number(row["households_total"]) == total[row["project_code"]]
            stale = row["project_code"] == clean.planted.get("F06")  # the planted stale ledger figure
            assert as_number(row["households_unresettled"]) == unresettled[row["project_code"]] + stale
            assert 10 <= total[row["project_code"]] <= 300


def test_progress_counts_follow_the_roster_and_never_fall(clean):
    rosters = tables(clean, "household_roster")
    previous: dict[str, float] = {}
    for (source, period), rows in sorted(tables(clean, "monthly_progress").items(), key=lambda kv: kv[0][1]):
        month = dt.date.fromisoformat(period + "-01")
        resettled = defaultdict(list)
        for r in rosters[(source, period)]:
            if r["resettled"] == "是":
                resettled[r["project_code"]].append(as_date(r["resettled_date"]))
        for row in rows:
            dates = resettled[row["project_code"]]
            this_month = sum(1 for d in dates if (d.year, d.month) == (month.year, month.month))
            assert as_number(row["resettled_this_month"]) == this_month
            assert as_number(row["resettled_cumulative"]) == len(dates)
            assert as_number(row["resettled_cumulative"]) >= previous.get(row["project_code"], 0)
            previous[row["project_code"]] = as_number(row["resettled_cumulative"])
    assert (
        sum(as_number(r["resettled_this_month"]) for rows in tables(clean, "monthly_progress").values() for r in rows)
        > 0
    )


def test_a_resettled_household_stays_resettled_on_the_same_date(clean):
    history: dict[str, dict[str, dt.date]] = defaultdict(dict)
    for (source, _), rows in sorted(tables(clean, "household_roster").items(), key=lambda kv: kv[0][1]):
        now = {r["household_code"]: r for r in rows}
        for code, day in history[source].items():
            assert now[code]["resettled"] == "是" and as_date(now[code]["resettled_date"]) == day
        history[source].update({c: as_date(r["resettled_date"]) for c, r in now.items() if r["resettled"] == "是"})
    assert sum(len(h) for h in history.values()) > 50


def test_resettled_households_live_in_allocated_units_of_their_type(clean):
    units_by_period = tables(clean, "housing_units")
    unit_type = {"异地产权调换": "产权调换房", "租赁住房": "租赁房"}
    checked = 0
    for (source, period), rows in tables(clean, "household_roster").items():
        units = {u["unit_code"]: u for u in units_by_period[("housing_center", period)]}
        name_zh = districts()[source].name_zh
        for r in rows:
            if r["resettled"] != "是":
                continue
            unit = units[r["unit_code"]]
            assert unit["status"] in ("已分配", "已入住")
            assert unit["household_code"] == r["household_code"]
            assert unit["unit_type"] == unit_type[r["resettlement_choice"]]
            assert unit["district"] == name_zh
            checked += 1
    assert checked > 50
    for rows in units_by_period.values():
        assert any(u["status"] == "待分配" for u in rows)


def _developers(report) -> dict[str, int]:
    categories = {}
    for rows in tables(report, "project_ledger").values():
        for r in rows:
            categories[r["developer_uscc"]] = as_category(r["disposal_category"])
    return categories


def test_departments_know_the_developers_by_category(clean):
    ledgers = [r for rows in tables(clean, "project_ledger").values() for r in rows]
    assert set(_developers(clean).values()) == {1, 2, 3, 4, 5}
    odd = {clean.planted.get(f) for f in ("F03", "F04", "F05")}  # planted: reclassified, not valued, abnormal
    planted = {r["developer_uscc"] for r in ledgers if r["project_code"] in odd}
    category = {code: cat for code, cat in _developers(clean).items() if code not in planted}
    for period in periods(clean):
        police = {r["company_uscc"] for r in tables(clean, "police_cases")[("police", period)]}
        court = {r["defendant_uscc"] for r in tables(clean, "court_cases")[("court", period)]}
        tax = {r["uscc"]: r for r in tables(clean, "tax_status")[("tax", period)]}
        assert set(tax) >= set(category)
        for code, cat in category.items():
            if cat == 4:
                assert code in police or _named_in(clean, "police_cases", period, code)
            if cat == 3:
                assert tax[code]["abnormal_status"] == "是" and as_number(tax[code]["tax_arrears"]) > 0
                assert code in court or _named_in(clean, "court_cases", period, code)
            assert tax[code]["tax_period"] == period
        normal = [tax[c]["abnormal_status"] for c, cat in category.items() if cat in (1, 2, 5)]
        assert normal.count("否") == len(normal)
    bureau = tables(clean, "construction_status")[("housing_bureau", PERIOD)]
    ledger_codes = {r["project_code"] for rows in tables(clean, "project_ledger").values() for r in rows}
    assert {r["project_code"] for r in bureau} == ledger_codes


def _named_in(report, dataset: str, period: str, code: str) -> bool:
    """A case whose USCC is missing still names the company (perhaps written differently)."""
    name = next(
        r["developer_name"]
        for rows in tables(report, "project_ledger").values()
        for r in rows
        if r["developer_uscc"] == code
    )
    squeeze = str.maketrans({"(": "（", ")": "）", " ": None})
    key = name.translate(squeeze).replace("有限责任公司", "有限公司")
    column = "company_name" if dataset == "police_cases" else "defendant_name"
    return any(
        str(r[column]).translate(squeeze).replace("有限责任公司", "有限公司") == key
        for r in tables(report, dataset)[(dataset_source(dataset), period)]
    )


def dataset_source(dataset: str) -> str:
    return {"police_cases": "police", "court_cases": "court"}[dataset]


def test_category_two_projects_carry_a_continue_construction_commitment(clean):
    category = {
        r["project_code"]: as_category(r["disposal_category"])
        for rows in tables(clean, "project_ledger").values()
        for r in rows
    }
    for r in tables(clean, "construction_status")[("housing_bureau", PERIOD)]:
        if category[r["project_code"]] == 2:
            assert r["commitment_signed"] == "是"
            assert as_date(r["commitment_date"]) and r["funding_source"]
            assert as_date(r["committed_completion_date"]) > as_date(r["committed_start_date"])
        if category[r["project_code"]] in (1, 3, 5):
            assert r["commitment_signed"] == "否"


# ----- clean data obeys the contracts -------------------------------------------------------------------------


def _check_value(dataset: str, column, value: object, source: str) -> None:
    where = f"{dataset}.{column.name}={value!r}"
    if value is None:
        assert not column.not_null, where
        return
    if column.allowed:
        assert str(value) in column.allowed, where
    if column.pattern:
        assert re.fullmatch(column.pattern, str(value)), where
    if column.type == "yes_no":
        assert value in ("是", "否"), where
    elif column.type == "disposal_category":
        assert 1 <= as_category(value) <= 5, where
    elif column.type == "district":
        assert value == (districts()[source].name_zh if source in DISTRICTS else value), where
        assert value in {d.name_zh for d in districts().values()}, where
    elif column.type == "phone":
        assert re.fullmatch(r"1[3-9]\d{9}|0468-\d{7}", str(value)), where
    elif column.type == "period":
        assert re.fullmatch(r"\d{4}-\d{2}", str(value)), where
    elif column.type == "date":
        day = as_date(value)
        assert column.min is None or day >= dt.date.fromisoformat(str(column.min)), where
        assert column.max is None or day <= dt.date.fromisoformat(str(column.max)), where
    elif column.type in ("integer", "decimal"):
        number = as_number(value)
        assert column.min is None or number >= float(column.min), where
        assert column.max is None or number <= float(column.max), where


def test_clean_files_obey_every_column_rule_of_their_contract(clean):
    for f in clean.files:
        spec = contract(f.dataset)
        _, headers, rows = read_table(f.path)
        assert len(headers) == len(spec.columns)
        keys = Counter(tuple(r[k] for k in spec.key) for r in rows)
        assert max(keys.values()) == 1, f.path.name
        for row in rows:
            for column in spec.columns:
                _check_value(f.dataset, column, row[column.name], f.source)


def test_clean_rosters_follow_the_resettlement_rules(clean):
    choices = Counter()
    for (_, period), rows in tables(clean, "household_roster").items():
        month_end = dt.date.fromisoformat(period + "-01") + dt.timedelta(days=31)
        for r in rows:
            choice = r["resettlement_choice"]
            choices[choice] += 1
            if choice == "租赁住房":
                assert r["household_type"] == "现金购房" and r["has_lawful_residence"] == "否"
            if choice == "异地产权调换":
                assert r["household_type"] == "被动迁"
            if choice == "原址回迁":
                assert r["agreement_type"] == "回迁安置承诺书" and as_date(r["agreement_date"])
            if r["agreement_type"] != "无":
                assert as_date(r["agreement_date"]) >= dt.date(2019, 11, 11)
            if r["resettled"] == "是":
                resettled = as_date(r["resettled_date"])
                assert r["unit_code"] and as_date(r["agreement_date"]) <= resettled < month_end
            else:
                assert r["resettled_date"] is None
    assert {"异地产权调换", "原址回迁", "租赁住房", "未选择"} <= set(choices)
    petitions = Counter(r["petition_level"] for rows in tables(clean, "household_roster").values() for r in rows)
    assert petitions["无"] > petitions["区"] + petitions["市"] > petitions["省"] + petitions["进京"] > 0


def test_clean_department_files_obey_their_cross_column_rules(clean):
    for rows in tables(clean, "construction_status").values():
        for r in rows:
            if r["commitment_signed"] == "是":
                assert r["commitment_date"] is not None
    for rows in tables(clean, "housing_units").values():
        for r in rows:
            assert (r["status"] == "待分配") == (r["household_code"] is None)
    for rows in tables(clean, "court_cases").values():
        for r in rows:
            assert r["auction_proceeds"] is None or r["auction_date"] is not None
    for rows in tables(clean, "monthly_progress").values():
        for r in rows:
            assert as_number(r["resettled_this_month"]) <= as_number(r["resettled_cumulative"])


# ----- injected mistakes ----------------------------------------------------------------------------------------


def test_every_injected_error_is_in_the_file_where_the_manifest_says(dirty):
    manifest = json.loads((dirty.out / MANIFEST).read_text(encoding="utf-8"))
    assert len(manifest["errors"]) == len(dirty.errors) >= 15
    assert {e["period"] for e in manifest["errors"]} == set(periods(dirty))
    for error in manifest["errors"]:
        path = dirty.out / error["file"]
        assert error["period"] in error["file"] and error["source"] in error["file"]
        raw = _raw_rows(path)
        header_row, headers, _ = read_table(path)
        if error["kind"] == "required_column_missing":
            assert error["excel_row"] == header_row
            assert error["column_header"] not in headers
            continue
        assert error["column_header"] in headers, error
        cell = raw[error["excel_row"] - 1][list(raw[header_row - 1]).index(error["column_header"])]
        assert shown(cell) == error["value"], error


def test_injected_errors_cover_the_clerks_mistakes_and_really_break_rules(dirty):
    by_kind = defaultdict(list)
    for error in dirty.errors:
        by_kind[error.kind].append(error)
    assert {
        "id_number_excel_float",
        "id_number_15_digits",
        "id_check_char_wrong",
        "phone_ten_digits",
        "date_invalid",
        "enum_unknown",
        "rental_for_displaced",
        "onsite_return_without_commitment",
        "resettled_without_date",
        "household_code_duplicate",
        "required_column_missing",
        "unresettled_above_total",
        "project_code_not_in_ledger",
        "uscc_check_char_wrong",
    } <= set(by_kind)
    assert len({e.source for e in dirty.errors if e.source in DISTRICTS}) >= 3
    float_id = by_kind["id_number_excel_float"][0]
    assert float(float_id.value) == pytest.approx(2.3e17, rel=0.01) and "e+17" in float_id.value.lower()
    assert float_id.file.endswith(".xlsx"), "Excel turns IDs into numbers in workbooks first"
    assert len(by_kind["id_number_15_digits"][0].value) == 15
    for error in by_kind["id_check_char_wrong"]:
        assert ric.calc_check_digit(error.value) != error.value[-1]
    for error in by_kind["uscc_check_char_wrong"]:
        assert not uscc.is_valid(error.value)
    for error in by_kind["date_invalid"]:
        with pytest.raises(AssertionError):
            as_date(error.value)
    assert len(re.sub(r"\D", "", by_kind["phone_ten_digits"][0].value)) == 10
    assert by_kind["enum_unknown"][0].value not in contract("household_roster").column("resettlement_choice").allowed
    assert by_kind["resettled_without_date"][0].value == ""


def test_rows_around_an_injected_error_stay_clean(dirty):
    """Only the planted cells break rules: every other ID in the dirty rosters still validates."""
    planted = {(e.file, e.excel_row) for e in dirty.errors}
    for f in dirty.files:
        if f.dataset != "household_roster":
            continue
        header_row, _, rows = read_table(f.path)
        relative = f.path.relative_to(dirty.out).as_posix()
        for i, row in enumerate(rows):
            if (relative, header_row + 1 + i) not in planted:
                number = str(row["id_number"]).upper()
                assert ric.calc_check_digit(number) == number[-1]


def test_certificates_are_only_for_exchange_flats_households_moved_into(clean):
    units = tables(clean, "housing_units")
    for (_, period), rows in tables(clean, "property_certificates").items():
        occupied = {
            u["unit_code"]: u["household_code"]
            for u in units[("housing_center", period)]
            if u["status"] == "已入住" and u["unit_type"] == "产权调换房"
        }
        assert rows
        for r in rows:
            assert occupied.get(r["unit_code"]) == r["household_code"], r
            assert (r["certificate_status"] == "已发证") == bool(r["issued_date"])
            assert (r["certificate_status"] == "暂缓办理") == bool(r["blocker"])


def test_petitions_come_from_households_of_the_slowest_projects(clean):
    period = periods(clean)[-1]
    rosters = [r for (_, p), rows in tables(clean, "household_roster").items() if p == period for r in rows]
    by_code = {r["household_code"]: r for r in rosters}
    heads = {r["id_number"]: r for r in rosters}
    cases = tables(clean, "petition_cases")[("petition", period)]
    assert {"省", "进京"} & {c["level"] for c in cases}
    assert any(c["id_number"] for c in cases) and any(c["household_code"] for c in cases)
    for c in cases:
        household = by_code[c["household_code"]] if c["household_code"] else heads[c["id_number"]]
        assert household["project_code"] == c["project_code"]
    in_scope = {
        r["project_code"]
        for (_, p), rows in tables(clean, "project_ledger").items()
        if p == period
        for r in rows
        if r["project_nature"] == "市场开发" and as_category(r["disposal_category"]) != 5
    }
    waiting = defaultdict(list)
    for r in rosters:
        waiting[r["project_code"]].append(r["resettled"] == "否")
    share = {code: sum(v) / len(v) for code, v in waiting.items() if code in in_scope}
    per_case = [share[c["project_code"]] for c in cases]
    assert set(c["project_code"] for c in cases) <= in_scope
    assert sum(per_case) / len(per_case) > sum(share.values()) / len(share), "cases lean to the slowest projects"


def test_repayment_agreements_are_signed_by_developers_of_categories_one_to_four(clean):
    period = periods(clean)[-1]
    ledgers = {
        r["project_code"]: r for (_, p), rows in tables(clean, "project_ledger").items() if p == period for r in rows
    }
    agreements = tables(clean, "repayment_agreements")[("housing_center", period)]
    assert agreements
    for a in agreements:
        project = ledgers[a["project_code"]]
        assert project["developer_uscc"] == a["developer_uscc"]
        assert as_category(project["disposal_category"]) in (1, 2, 3, 4)
        assert as_number(a["amount_repaid"]) <= as_number(a["amount_agreed"])
    refunds = [
        r for (_, p), rows in tables(clean, "household_roster").items() if p == period for r in rows if r["refund_due"]
    ]
    assert refunds and all(r["resettlement_choice"] == "退还费用" for r in refunds)
