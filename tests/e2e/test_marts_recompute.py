"""The marts agree with the files: key figures recomputed straight from the generated files with pandas,
for several months built one after the other (incrementally) and after a district resubmits a corrected
roster for the earlier month. Two districts write their codes their own way (向阳区 `XY-2014-001`, 工农区
`GN2014001`, in every source's files), and 向阳区 types them in lower case in a later roster: every file is
still accepted and the codes reach the marts as written."""

from __future__ import annotations

import re

import pandas as pd
import psycopg
import pytest

from resettle.airflow.pipeline import build_marts, ingest_month, prepare_warehouse
from resettle.devtools.generator import generate
from resettle.intake.discover import discover
from resettle.intake.normalize import normalize
from resettle.intake.parse import parse

pytestmark = pytest.mark.integration
FIRST, MONTHS = "2026-08", 2
CHOICES = {
    "异地产权调换": "exchange",
    "原址回迁": "onsite_return",
    "租赁住房": "rental",
    "原址购房": "onsite_purchase",
    "退还费用": "refund",
    "未选择": "undecided",
}


def _ingest(url: str, period: str) -> None:
    for outcome in ingest_month(period, url):
        assert outcome["status"] in ("accepted", "accepted_with_warnings", "superseded"), outcome


RECODE = {
    "xiangyang": (re.compile(r"XY(\d{4})-(\d{3})"), r"XY-\1-\2"),
    "gongnong": (re.compile(r"GN(\d{4})-(\d{3})"), r"GN\1\2"),
}


def _recode(landing, lower_in: str) -> None:
    """Rewrite the generated codes into the forms the two districts use, in every file that names them (their
    own files and the departments'); in `lower_in` (a file name part) 向阳区's codes are typed in lower case.
    Modification times (the received times) are kept."""
    import os

    import openpyxl

    def rewrite(text: str, lower: bool) -> str:
        for pattern, form in RECODE.values():
            text = pattern.sub(form, text)
        return re.sub(r"XY-\d{4}-\d{3}", lambda m: m[0].lower(), text) if lower else text

    for path in sorted(p for p in landing.rglob("*") if p.suffix in (".csv", ".xlsx")):
        stat, lower = path.stat(), lower_in in path.name
        if path.suffix == ".csv":
            data = path.read_bytes()
            encoding = "utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8"
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                encoding, text = "gb18030", data.decode("gb18030")
            path.write_bytes(rewrite(text, lower).encode(encoding))
        else:
            book = openpyxl.load_workbook(path)
            for sheet in book.worksheets:
                for row in sheet.iter_rows():
                    for cell in row:
                        if isinstance(cell.value, str):
                            cell.value = rewrite(cell.value, lower)
            book.save(path)
        os.utime(path, (stat.st_atime, stat.st_mtime))


def _latest_frames(landing, dataset: str) -> pd.DataFrame:
    """The file in force per source and period (the newest by modification time), typed, with its period."""
    frames = {}
    for landed in sorted(discover(landing), key=lambda f: f.path.stat().st_mtime):
        parsed = parse(landed.path)
        if parsed.dataset == dataset:
            frame, _ = normalize(parsed)
            frames[(landed.source, landed.period)] = frame.assign(period=landed.period, submitted_by=landed.source)
    return pd.concat(frames.values(), ignore_index=True)


def _resubmit_corrections(landing, period: str) -> tuple[str, str]:
    """A district's ledger and roster again (the CSV district with the most projects that month): the ledger
    without its last project (entered by mistake), the roster without that project's households and with
    two waiting households now resettled (corrections a district sends). Returns the corrected roster's file
    name and the project taken out."""
    import csv
    import io
    import os

    def read(path):
        data = path.read_bytes()
        encoding = "utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "gb18030"
        rows = list(csv.reader(io.StringIO(data.decode(encoding), newline="")))
        header = next(i for i, row in enumerate(rows) if "项目编号" in row)
        return rows, header, encoding

    def write(original, rows, encoding):
        corrected = original.with_name(original.stem + "_更正.csv")
        text = io.StringIO(newline="")
        csv.writer(text, lineterminator="\r\n").writerows(rows)
        corrected.write_bytes(text.getvalue().encode(encoding))
        later = original.stat().st_mtime + 3600
        os.utime(corrected, (later, later))
        return corrected.name

    def projects(path):
        """Rows naming a project: a code and a name (a signature line has its text in the first column)."""
        rows, header, _ = read(path)
        code, name = rows[header].index("项目编号"), rows[header].index("项目名称")
        return [i for i, row in enumerate(rows) if i > header and len(row) > name and row[code] and row[name]]

    ledgers = [f for f in discover(landing, period) if "项目台账" in f.file_name and f.path.suffix == ".csv"]
    ledger = max(ledgers, key=lambda f: len(projects(f.path)))
    rows, header, encoding = read(ledger.path)
    last = projects(ledger.path)[-1]
    dropped = rows[last][rows[header].index("项目编号")]
    write(ledger.path, rows[:last] + rows[last + 1 :], encoding)

    roster = next(f for f in discover(landing, period) if f.source == ledger.source and "居民台账" in f.file_name)
    rows, header, encoding = read(roster.path)
    columns = rows[header]
    project, resettled, date_col = columns.index("项目编号"), columns.index("是否已安置"), columns.index("安置日期")
    corrected, changed = rows[: header + 1], 0
    for row in rows[header + 1 :]:
        if len(row) == len(columns) and row[project] == dropped:
            continue
        if len(row) == len(columns) and row[resettled] == "否" and changed < 2:
            row[resettled], row[date_col] = "是", f"{period[:4]}/{int(period[5:])}/20"
            changed += 1
        corrected.append(row)
    assert changed == 2 and len(projects(ledger.path)) >= 2, "the month needs a district with two projects"
    return write(roster.path, corrected, encoding), dropped


def _built(url: str) -> dict[str, dict[str, object]]:
    """When each month of two incremental marts was last built."""
    with psycopg.connect(url) as conn:
        return {
            table: dict(conn.execute(f"select period, min(built_at) from marts.{table} group by period").fetchall())
            for table in ("household_resettlement", "project_joint_review")
        }


def test_marts_agree_with_the_files_across_months_and_a_resubmission(resettle_env, warehouse_url, monkeypatch):
    monkeypatch.setenv("RESETTLE_WAREHOUSE_URL", warehouse_url)
    landing = resettle_env["landing"]
    generate(landing, FIRST, months=MONTHS, households=700, seed=31)
    _recode(landing, lower_in="向阳区居民台账2026年9月")
    prepare_warehouse(warehouse_url)
    periods = [FIRST, "2026-09"]
    for period in periods:
        _ingest(warehouse_url, period)
        build_marts(warehouse_url)
    months_built = _built(warehouse_url)
    # A correction of the earlier month after the later one is built: the incremental run must rebuild it.
    corrected, dropped = _resubmit_corrections(landing, periods[0])
    _ingest(warehouse_url, periods[0])
    build_marts(warehouse_url)
    rebuilt = _built(warehouse_url)
    first, later = periods
    for table in ("household_resettlement", "project_joint_review"):
        assert months_built[table][first] < months_built[table][later], f"{table}: the new month left {first} alone"
        assert rebuilt[table][first] > months_built[table][first], f"{table}: the corrected month is rebuilt"
    assert rebuilt["household_resettlement"][later] == months_built["household_resettlement"][later]
    with psycopg.connect(warehouse_url) as conn:
        # A month is replaced whole: no row of the corrected month is left from an earlier build, and the
        # project the corrected ledger took out is gone from it.
        marts = conn.execute(
            "select table_name from information_schema.columns"
            " where table_schema = 'marts' and column_name = 'built_at'"
        ).fetchall()
        for (table,) in marts:
            mixed = conn.execute(
                f"select period from marts.{table} group by period having count(distinct built_at) > 1"
            ).fetchall()
            assert not mixed, f"{table}: rows of an earlier build left in {mixed}"
        ghost = conn.execute(
            "select count(*) from marts.project_joint_review where period = %s and project_code = %s", (first, dropped)
        ).fetchone()
        assert ghost == (0,), f"{dropped}, taken out of the corrected ledger, is still in the joint review"
        kept = conn.execute(
            "select count(*) from marts.project_joint_review where period = %s and project_code = %s", (later, dropped)
        ).fetchone()
        assert kept[0] == 1, f"{dropped} is still in the later month's ledger"
    assert rebuilt["project_joint_review"][later] > months_built["project_joint_review"][later], (
        "a mart reading earlier months rebuilds the months after a corrected one"
    )

    ledgers = _latest_frames(landing, "project_ledger")
    rosters = _latest_frames(landing, "household_roster")
    units = _latest_frames(landing, "housing_units")
    construction = _latest_frames(landing, "construction_status")
    in_scope = ledgers[(ledgers.project_nature == "市场开发") & ledgers.disposal_category.between(1, 4)]

    waiting = rosters[~rosters.resettled.astype(bool)].merge(
        in_scope[["period", "project_code", "district"]], on=["period", "project_code"]
    )
    expected_choices = (
        waiting.assign(choice=waiting.resettlement_choice.map(CHOICES))
        .groupby(["district", "period", "choice"])
        .size()
        .unstack(fill_value=0)
        .reindex(columns=list(CHOICES.values()), fill_value=0)
    )

    with psycopg.connect(warehouse_url) as conn:
        statuses = dict(
            conn.execute(
                "select file_name, status from ops.submission where file_name like %s", (f"%{corrected[:6]}%",)
            ).fetchall()
        )
        columns = ", ".join(f"unresettled_{c}" for c in CHOICES.values())
        mart = pd.DataFrame(
            conn.execute(f"select district, period, {columns} from marts.district_monthly_progress").fetchall(),
            columns=["district", "period", *CHOICES.values()],
        ).set_index(["district", "period"])
        reviews = pd.DataFrame(
            conn.execute(
                "select period, project_code, units_needed, units_allocated, flag_codes from marts.project_joint_review"
            ).fetchall(),
            columns=["period", "project_code", "units_needed", "units_allocated", "flag_codes"],
        )
        codes = dict(
            conn.execute(
                "select district, array_agg(distinct project_code) from marts.project_joint_review"
                " where district in ('xiangyang', 'gongnong') group by district"
            ).fetchall()
        )
        households = conn.execute(
            "select count(*), count(*) filter (where household_code like 'XY-%%' and project_code like 'XY-%%')"
            " from marts.household_resettlement where district = 'xiangyang' and period = '2026-09'"
        ).fetchone()

    assert codes["xiangyang"] and all(re.fullmatch(r"XY-\d{4}-\d{3}", c) for c in codes["xiangyang"]), codes
    assert codes["gongnong"] and all(re.fullmatch(r"GN\d{7}", c) for c in codes["gongnong"]), codes
    assert households[0] > 0 and households[0] == households[1], "a roster typed in lower case joins its ledger"

    assert statuses[corrected] == "accepted" or statuses[corrected] == "accepted_with_warnings"
    assert "superseded" in statuses.values()
    expected_choices.columns.name = None
    pd.testing.assert_frame_equal(
        mart.sort_index().astype(int),
        expected_choices.sort_index().astype(int),
        check_names=False,
        check_index_type=False,
    )

    needed = (
        rosters[~rosters.resettled.astype(bool) & rosters.resettlement_choice.isin(["异地产权调换", "租赁住房"])]
        .groupby(["period", "project_code"])
        .size()
        .rename("units_needed")
    )
    allocated = (
        units.dropna(subset=["household_code"])
        .merge(rosters[["period", "household_code", "project_code"]], on=["period", "household_code"])
        .groupby(["period", "project_code"])
        .size()
        .rename("units_allocated")
    )
    expected_units = pd.concat([needed, allocated], axis=1).fillna(0).astype(int)
    actual_units = reviews.set_index(["period", "project_code"])[["units_needed", "units_allocated"]]
    actual_units = actual_units[(actual_units.units_needed > 0) | (actual_units.units_allocated > 0)]
    pd.testing.assert_frame_equal(
        actual_units.sort_index(), expected_units.sort_index(), check_names=False, check_index_type=False
    )

    counts = rosters.groupby(["period", "project_code"]).agg(
        roster_total=("household_code", "size"), roster_open=("resettled", lambda s: int((~s.astype(bool)).sum()))
    )
    checked = ledgers.merge(counts, on=["period", "project_code"], how="left").fillna(
        {"roster_total": 0, "roster_open": 0}
    )
    f06 = int(
        (
            (checked.households_total != checked.roster_total) | (checked.households_unresettled != checked.roster_open)
        ).sum()
    )
    period_end = {p: (pd.Timestamp(f"{p}-01") + pd.offsets.MonthEnd(0)) for p in periods}
    built = construction.merge(ledgers[["period", "project_code", "disposal_category"]], on=["period", "project_code"])
    f01 = int(
        (
            (built.disposal_category == 2)
            & (~built.commitment_signed.astype(bool) | built.construction_permit_no.isna())
        ).sum()
    )
    f02 = int(
        ((built.committed_completion_date < built.period.map(period_end)) & (built.progress_pct.fillna(0) < 100)).sum()
    )
    flags = pd.Series([f for codes in reviews.flag_codes for f in codes]).value_counts()
    assert (flags.get("F06", 0), flags.get("F01", 0), flags.get("F02", 0)) == (f06, f01, f02)
    assert f06 >= 1, "the corrected roster no longer matches its ledger, which must be flagged"

    _money_adds_up_to_the_department_files(warehouse_url, landing, ledgers)


def _money_adds_up_to_the_department_files(url: str, landing, ledgers: pd.DataFrame) -> None:
    """City totals of every mart's money equal the department files' own totals: each developer once
    (`developer_risk`) plus the records matched to no developer; project-level court money equals the cases
    whose 项目编号 names a project of the month's ledgers; developer-level money never adds up across projects."""
    court = _latest_frames(landing, "court_cases")
    police = _latest_frames(landing, "police_cases")
    tax = _latest_frames(landing, "tax_status")
    with psycopg.connect(url) as conn:

        def frame(query: str) -> pd.DataFrame:
            with conn.cursor() as cur:
                cur.execute(query)
                return pd.DataFrame(cur.fetchall(), columns=[c.name for c in cur.description])

        developers = frame(
            "select period, sum(seized_asset_value) as seized, sum(auction_proceeds) as proceeds,"
            " sum(court_claim_amount) as claims, sum(frozen_funds) as frozen,"
            " sum(tax_arrears) as arrears from marts.developer_risk group by period"
        )
        unmatched = frame("select period, dataset, record_key from marts.unmatched_company_records")
        projects = frame(
            "select period, sum(seized_asset_value) as seized, sum(auction_proceeds) as proceeds,"
            " sum(court_claim_amount) as claims, sum(developer_seized_asset_value) as repeated,"
            " count(distinct developer_uscc) filter (where developer_projects > 1) as shared"
            " from marts.project_joint_review group by period"
        )
    developers = developers.set_index("period").astype(float)
    projects = projects.set_index("period")
    tax = tax.assign(record_key=tax.uscc + "/" + tax.tax_period)
    for period, mine in court.groupby("period"):
        lost = set(unmatched[(unmatched.period == period) & (unmatched.dataset == "court_cases")].record_key)
        named = mine.project_code.isin(set(ledgers[ledgers.period == period].project_code))
        for column, total in (
            ("seized_asset_value", "seized"),
            ("auction_proceeds", "proceeds"),
            ("claim_amount", "claims"),
        ):
            values = mine[column].fillna(0).astype(float)
            matched = values[~mine.case_no.isin(lost)].sum()
            assert developers.loc[period, total] == pytest.approx(matched), (period, column)
            assert developers.loc[period, total] + values[mine.case_no.isin(lost)].sum() == pytest.approx(values.sum())
            assert float(projects.loc[period, total]) == pytest.approx(values[named].sum()), (period, column)
        if projects.loc[period, "shared"]:
            assert float(projects.loc[period, "repeated"]) > developers.loc[period, "seized"], (
                "a developer with several projects repeats its figure: summing it would count money twice"
            )
    for frame_, dataset, column, total in (
        (police, "police_cases", "frozen_funds", "frozen"),
        (tax, "tax_status", "tax_arrears", "arrears"),
    ):
        key = "case_no" if dataset == "police_cases" else "record_key"
        for period, mine in frame_.groupby("period"):
            lost = set(unmatched[(unmatched.period == period) & (unmatched.dataset == dataset)].record_key)
            values = mine[column].fillna(0).astype(float)
            assert developers.loc[period, total] == pytest.approx(values[~mine[key].isin(lost)].sum()), (period, column)
