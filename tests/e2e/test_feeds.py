"""Certificates and petitions end to end with hand-made files: a household resettled 8 months ago without a
certificate application is flagged (and alerted to its district and the registration center) until the
registration center reports its certificate issued; a Beijing petition identified only by the petitioner's
ID number reaches the household through the keyed pseudonym, shows on the household and the project, and is
flagged 未落实专人 (alerted to the district and the petition bureau) until a handler is named; no clear ID
number of that petitioner is anywhere in the warehouse but the district's own roster in `raw`. Bad input
(a certificate for a unit never allocated, a petitioner ID with a wrong check character, a negative
repayment, a project no ledger knows) is rejected or warned with its row and column, and nothing of a
rejected file is loaded."""

from __future__ import annotations

import csv
import datetime as dt
import os
import subprocess
from pathlib import Path

import psycopg
import pytest

from resettle.airflow.pipeline import build_marts, ingest_file, ingest_month, prepare_warehouse
from resettle.alerts.engine import check
from resettle.domain.contracts import contract
from resettle.domain.identifiers import id_check_char, uscc_check_char
from resettle.domain.periods import SHANGHAI

pytestmark = pytest.mark.integration
M1, M2, M3 = "2026-10", "2026-11", "2026-12"
PROJECT = "XY2015-001"
H1, H2, H3 = f"{PROJECT}-0001", f"{PROJECT}-0002", f"{PROJECT}-0003"
ID1 = "23040219620314202" + id_check_char("23040219620314202")
ID2 = "23040219700521101" + id_check_char("23040219700521101")
ID3 = "23040219581102303" + id_check_char("23040219581102303")
USCC = "91230402MA1XY2015" + uscc_check_char("91230402MA1XY2015")
CASE = "XF2026-00001"


def _write(landing: Path, source: str, period: str, name: str, dataset: str, rows: list[dict]) -> Path:
    """A UTF-8 (BOM) CSV with the contract's Chinese headers, as an office exports it."""
    path = landing / source / period / name
    path.parent.mkdir(parents=True, exist_ok=True)
    columns = contract(dataset).columns
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([c.header_zh for c in columns])
        for row in rows:
            writer.writerow(["" if row.get(c.name) is None else row[c.name] for c in columns])
    return path


def _month_files(landing: Path, period: str, certificate_issued: bool, handler: str | None) -> None:
    yymm = period.replace("-", "")
    _write(
        landing,
        "xiangyang",
        period,
        f"向阳区项目台账{yymm}.csv",
        "project_ledger",
        [
            {
                "project_code": PROJECT,
                "project_name": "滨河家园",
                "district": "向阳区",
                "developer_name": "鹤岗市滨河房地产开发有限公司",
                "developer_uscc": USCC,
                "project_nature": "市场开发",
                "disposal_category": "1",
                "contracted_return_date": "2016-06-30",
                "overdue_reason": "资金链断裂",
                "households_total": 3,
                "households_unresettled": 1,
                "resettlement_area_m2": "210.5",
                "lead_unit": "市保障性住房服务中心",
            }
        ],
    )
    household = {
        "project_code": PROJECT,
        "household_type": "被动迁",
        "has_lawful_residence": "否",
        "contract_date": "2015-04-01",
        "contracted_area_m2": "70",
        "petition_level": "无",
    }
    _write(
        landing,
        "xiangyang",
        period,
        f"向阳区居民台账{yymm}.csv",
        "household_roster",
        [
            {
                **household,
                "household_code": H1,
                "head_name": "张秀兰",
                "id_number": ID1,
                "phone": "13904681234",
                "resettlement_choice": "异地产权调换",
                "agreement_type": "产权调换协议书",
                "agreement_date": "2025-12-01",
                "resettled": "是",
                "resettled_date": "2026-02-10",
                "unit_code": "FY-XY-00001",
                "petition_level": "进京",
            },
            {
                **household,
                "household_code": H2,
                "head_name": "李建国",
                "id_number": ID2,
                "resettlement_choice": "未选择",
                "agreement_type": "无",
                "resettled": "否",
            },
            {
                **household,
                "household_code": H3,
                "head_name": "王淑芬",
                "id_number": ID3,
                "resettlement_choice": "异地产权调换",
                "agreement_type": "产权调换协议书",
                "agreement_date": "2025-12-01",
                "resettled": "是",
                "resettled_date": "2026-03-01",
                "unit_code": "FY-XY-00002",
            },
        ],
    )
    _write(
        landing,
        "housing_center",
        period,
        f"市保障性住房服务中心房源分配{yymm}.csv",
        "housing_units",
        [
            {
                "unit_code": "FY-XY-00001",
                "district": "向阳区",
                "unit_type": "产权调换房",
                "area_m2": "70",
                "status": "已入住",
                "household_code": H1,
            },
            {
                "unit_code": "FY-XY-00002",
                "district": "向阳区",
                "unit_type": "产权调换房",
                "area_m2": "70",
                "status": "已入住",
                "household_code": H3,
            },
        ],
    )
    certificates = [
        {
            "unit_code": "FY-XY-00002",
            "household_code": H3,
            "project_code": PROJECT,
            "certificate_status": "已发证",
            "applied_date": "2026-06-01",
            "issued_date": "2026-08-01",
            "certificate_no": "黑（2026）鹤岗市不动产权第0000002号",
        }
    ]
    if certificate_issued:
        certificates.append(
            {
                "unit_code": "FY-XY-00001",
                "household_code": H1,
                "project_code": PROJECT,
                "certificate_status": "已发证",
                "applied_date": "2026-11-02",
                "issued_date": "2026-11-20",
                "certificate_no": "黑（2026）鹤岗市不动产权第0000001号",
            }
        )
    _write(
        landing,
        "registration",
        period,
        f"市不动产登记中心产权办理情况{yymm}.csv",
        "property_certificates",
        certificates,
    )
    _write(
        landing,
        "petition",
        period,
        f"市信访局信访件{yymm}.csv",
        "petition_cases",
        [
            {
                "case_no": CASE,
                "id_number": ID1,
                "project_code": PROJECT,
                "level": "进京",
                "received_date": "2026-10-08",
                "form": "来访",
                "persons": 1,
                "demand": "要求办理产权证",
                "responsible_unit": "向阳区人民政府",
                "handler": handler,
                "status": "办理中",
            }
        ],
    )


def _ingest(url: str, period: str) -> list[dict]:
    return ingest_month(period, url)


def _mart_row(conn, mart: str, key: tuple[str, str], columns: str, period: str) -> tuple:
    """The month's row of one household or project (`key`: its code column and code) in a mart."""
    column, code = key
    query = f"select {columns} from marts.{mart} where period = %s and {column} = %s"
    return conn.execute(query, (period, code)).fetchone()


def _household(conn, period: str) -> tuple:
    columns = "certificate_status, petitions_open, petition_level_open, petition_handler_assigned, flag_codes"
    return _mart_row(conn, "household_resettlement", ("household_code", H1), columns, period)


def _project(conn, period: str) -> tuple:
    columns = (
        "certificates_issued, certificates_not_applied, petitions_open_beijing, petitions_without_handler, flag_codes"
    )
    return _mart_row(conn, "project_joint_review", ("project_code", PROJECT), columns, period)


def _pg_dump(url: str) -> str:
    """The whole warehouse as SQL, except the district's roster rows in `raw` (the one place meant to hold
    the head's ID number, readable by the loader and transformer only)."""
    import pgserver

    binary = Path(pgserver.__file__).parent / "pginstall" / "bin" / "pg_dump"
    done = subprocess.run(
        [str(binary), "--dbname", url, "--exclude-table-data=raw.household_roster"],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    return done.stdout


def _flag_alerts(url: str, as_of: dt.datetime) -> dict[str, set[str]]:
    """Run an alert check as of a moment; the flag alerts it sent, with the roles they went to."""
    with psycopg.connect(url, autocommit=True) as conn:
        sent = check(conn, as_of)
    return {a["condition_key"]: {r["role"] for r in a["recipients"]} for a in sent if a["kind"] == "flag"}


def test_certificates_and_petitions_flow_from_files_to_flags(resettle_env, warehouse_url, monkeypatch):
    monkeypatch.setenv("RESETTLE_WAREHOUSE_URL", warehouse_url)
    monkeypatch.setenv("RESETTLE_PSEUDONYM_KEY", "a-test-key-that-is-not-the-demo-one")
    landing = resettle_env["landing"]
    prepare_warehouse(warehouse_url)

    _month_files(landing, M1, certificate_issued=False, handler=None)
    outcomes = _ingest(warehouse_url, M1)
    assert {o["status"] for o in outcomes} == {"accepted"}, [(o["file_name"], o["message_zh"]) for o in outcomes]
    build_marts(warehouse_url)
    with psycopg.connect(warehouse_url) as conn:
        status, petitions, level, handled, flags = _household(conn, M1)
        assert (status, petitions, level, handled) == ("未申请", 1, "进京", False)
        assert {"F21", "F23"} <= set(flags)
        match = conn.execute(
            "select household_code, match_method, lacks_handler from marts.petition_cases"
            " where period = %s and case_no = %s",
            (M1, CASE),
        ).fetchone()
        assert match == (H1, "id_pseudonym", True)
        issued, not_applied, beijing, without_handler, project_flags = _project(conn, M1)
        assert (issued, not_applied, beijing, without_handler) == (1, 1, 1, 1)
        assert {"F21", "F23"} <= set(project_flags)
        assert conn.execute("select count(*) from marts.unmatched_petition_cases").fetchone()[0] == 0
        progress = conn.execute(
            "select households_resettled, issued, not_applied_6_months from"
            " marts.certificate_progress where period = %s and district = 'xiangyang'",
            (M1,),
        ).fetchone()
        assert progress == (2, 1, 1)
    alerted = _flag_alerts(warehouse_url, dt.datetime(2026, 11, 3, 9, tzinfo=SHANGHAI))
    assert alerted[f"flag:F21:{PROJECT}"] == {"xiangyang", "registration"}
    assert alerted[f"flag:F23:{PROJECT}"] == {"xiangyang", "petition"}

    _month_files(landing, M2, certificate_issued=True, handler="赵志刚（副区长）")
    assert {o["status"] for o in _ingest(warehouse_url, M2)} == {"accepted"}
    build_marts(warehouse_url)
    with psycopg.connect(warehouse_url) as conn:
        status, petitions, _, handled, flags = _household(conn, M2)
        assert (status, petitions, handled) == ("已发证", 1, True)
        assert not {"F21", "F23"} & set(flags)
        assert not {"F21", "F23"} & set(_project(conn, M2)[4])
        assert "F21" in _household(conn, M1)[4], "the earlier month keeps what was true then"
    assert not {f"flag:F21:{PROJECT}", f"flag:F23:{PROJECT}"} & set(
        _flag_alerts(warehouse_url, dt.datetime(2026, 12, 3, 9, tzinfo=SHANGHAI))
    )
    with psycopg.connect(warehouse_url) as conn:
        assert (
            conn.execute(
                "select count(*) from ops.alert"
                " where kind = 'flag' and condition_key = any(%s) and resolved_at is null",
                ([f"flag:F21:{PROJECT}", f"flag:F23:{PROJECT}"],),
            ).fetchone()[0]
            == 0
        ), "a flag that cleared closes its alert"
    with psycopg.connect(warehouse_url) as conn:
        assert "id_number" not in {
            r[0]
            for r in conn.execute(
                "select column_name from information_schema.columns where table_schema in ('raw', 'staging')"
                " and table_name in ('petition_cases', 'stg_petition__petition_cases')"
            )
        }

    dump = _pg_dump(warehouse_url)
    assert "marts.petition_cases" in dump and "raw.petition_cases" in dump
    for clear in (ID1, ID2, ID3):
        assert clear not in dump
    for log in Path(os.environ.get("RESETTLE_HOME", resettle_env["home"])).rglob("*.log"):
        assert ID1 not in log.read_text(errors="ignore"), log

    _bad_input_is_rejected_or_warned_with_row_and_column(landing, warehouse_url, resettle_env["outbox"])


def _findings(conn, submission_id: int) -> list[tuple]:
    return conn.execute(
        "select severity, excel_row, column_header, message_zh from ops.finding"
        " where submission_id = %s order by finding_no",
        (submission_id,),
    ).fetchall()


def _bad_input_is_rejected_or_warned_with_row_and_column(landing: Path, url: str, outbox: Path) -> None:
    good = {
        "case_no": "XF2026-00002",
        "household_code": H2,
        "project_code": PROJECT,
        "level": "区",
        "received_date": "2026-12-03",
        "form": "来信",
        "persons": 1,
        "status": "办理中",
    }
    files = {
        "unallocated": _write(
            landing,
            "registration",
            M3,
            "市不动产登记中心产权办理情况202612.csv",
            "property_certificates",
            [
                {
                    "unit_code": "FY-XY-00002",
                    "certificate_status": "已发证",
                    "issued_date": "2026-08-01",
                    "certificate_no": "黑（2026）第0000002号",
                },
                {"unit_code": "FY-XY-00099", "certificate_status": "未申请"},
            ],
        ),
        "bad_id": _write(
            landing,
            "petition",
            M3,
            "市信访局信访件_身份证号校验码错误202612.csv",
            "petition_cases",
            [
                good,
                {
                    **good,
                    "case_no": "XF2026-00003",
                    "household_code": None,
                    "id_number": ID2[:-1] + ("1" if ID2[-1] != "1" else "2"),
                },
            ],
        ),
        "negative": _write(
            landing,
            "housing_center",
            M3,
            "市保障性住房服务中心偿还协议202612.csv",
            "repayment_agreements",
            [
                {
                    "agreement_no": "CH2021-001",
                    "developer_uscc": USCC,
                    "project_code": PROJECT,
                    "signed_date": "2021-03-01",
                    "amount_agreed": "-100",
                    "due_date": "2023-03-01",
                    "amount_repaid": "0",
                }
            ],
        ),
    }
    with psycopg.connect(url) as conn:
        for name, path in files.items():
            outcome = ingest_file({"source": path.parent.parent.name, "period": M3, "path": str(path)}, url)
            assert outcome["status"] == "rejected", (name, outcome["message_zh"])
            findings = _findings(conn, outcome["submission_id"])
            dataset = outcome["dataset"]
            assert (
                conn.execute(
                    f"select count(*) from raw.{dataset} where submission_id = %s", (outcome["submission_id"],)
                ).fetchone()[0]
                == 0
            ), "nothing partially loaded"
            assert list((outbox / path.parent.parent.name / M3).glob(f"{path.stem}_回执_*.xlsx")), name
            errors = [f for f in findings if f[0] == "error"]
            expected = {
                "unallocated": (3, "房源编号", "房源编号不在市保障性住房服务中心已分配的房源中"),
                "bad_id": (3, "信访人身份证号", "校验"),
                "negative": (2, "约定偿还金额(元)", "超出合理范围"),
            }[name]
            assert any(f[1] == expected[0] and f[2] == expected[1] and expected[2] in f[3] for f in errors), findings

        unknown = _write(
            landing,
            "petition",
            M3,
            "市信访局信访件202612.csv",
            "petition_cases",
            [good, {**good, "case_no": "XF2026-00004", "project_code": "XY9999-999"}],
        )
        outcome = ingest_file({"source": "petition", "period": M3, "path": str(unknown)}, url)
        assert outcome["status"] == "accepted_with_warnings", outcome["message_zh"]
        assert ("warning", 3, "项目编号", "项目编号不在各区本月的项目台账中，请核对编号") in _findings(
            conn, outcome["submission_id"]
        )
