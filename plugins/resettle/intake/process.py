"""Take one landed file all the way: archive, register, parse, validate, then publish or reject.

Each file is processed on its own, so one bad district never blocks the others, and re-processing a file
that was already decided changes nothing.
"""

from __future__ import annotations

import re
from dataclasses import asdict

import psycopg

from resettle import reference
from resettle.config import settings
from resettle.contracts import contract, datasets_for
from resettle.intake.archive import archive
from resettle.intake.discover import LandedFile
from resettle.intake.normalize import Finding, normalize
from resettle.intake.parse import ParsedFile, ParseError, parse
from resettle.intake.register import FINAL_STATUSES, Submission, earlier_copy, register
from resettle.load.publish import copy_rows
from resettle.quality.context import DEPENDS_ON_LEDGER, load_context
from resettle.quality.validate import ExpectationOutcome, validate

_TITLE_PERIOD = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月")


def title_findings(parsed: ParsedFile, landed: LandedFile) -> list[Finding]:
    """A title naming another district or month than the folder the file was dropped in."""
    if not parsed.title:
        return []
    findings = []
    own = reference.districts().get(landed.source)
    named = [d for d in reference.districts().values() if d.name_zh in parsed.title]
    if own and named and own not in named:
        findings.append(Finding(
            parsed.header_row - 1, None, parsed.title,
            f"表格标题写的是“{named[0].name_zh}”，但文件报送在“{own.name_zh}”的文件夹中，请确认是否报错了区",
            check="title_district"))
    m = _TITLE_PERIOD.search(parsed.title)
    if m and f"{m[1]}-{int(m[2]):02d}" != landed.period:
        findings.append(Finding(
            parsed.header_row - 1, None, parsed.title,
            f"表格标题写的是{m[1]}年{int(m[2])}月，但报送期为{landed.period[:4]}年{int(landed.period[5:])}月，"
            "请确认月份", check="title_period"))
    return findings


def _message(status: str, dataset_title: str | None, rows: int | None, errors: int, warnings: int,
             first: Finding | None) -> str:
    name = f"“{dataset_title}”" if dataset_title else "文件"
    if status == "accepted":
        return f"{name}已接收，共{rows}行，校验全部通过。"
    if status == "accepted_with_warnings":
        return f"{name}已接收，共{rows}行，有{warnings}处需要核实的提示，请查看回执。"
    if status == "duplicate":
        return f"{name}与此前已报送的文件内容完全相同，未重复入库。"
    detail = f"第一处：{_where(first)}{first.message_zh}" if first else ""
    return f"{name}未通过校验，已退回：共{errors}处错误，{warnings}处提示。{detail}。请按回执修改后重新报送。"


def _where(f: Finding) -> str:
    parts = []
    if f.row:
        parts.append(f"第{f.row}行")
    if f.column:
        parts.append(f"“{f.column}”列")
    return "".join(parts) + ("：" if parts else "")


def _record(conn: psycopg.Connection, sub: Submission, findings: list[Finding],
            outcomes: list[ExpectationOutcome]) -> None:
    conn.execute("delete from ops.finding where submission_id = %s", (sub.submission_id,))
    conn.execute("delete from ops.validation_result where submission_id = %s", (sub.submission_id,))
    with conn.cursor() as cur:
        cur.executemany(
            """insert into ops.finding (submission_id, finding_no, severity, check_name, excel_row, column_header,
                                        value, message_zh) values (%s, %s, %s, %s, %s, %s, %s, %s)""",
            [(sub.submission_id, i, f.severity, f.check, f.row, f.column, f.value, f.message_zh)
             for i, f in enumerate(findings, start=1)],
        )
        cur.executemany(
            """insert into ops.validation_result (submission_id, expectation, check_name, column_name, severity,
                                                  success, unexpected_count) values (%s, %s, %s, %s, %s, %s, %s)
               on conflict do nothing""",
            [(sub.submission_id, o.expectation, o.check, o.column or "", o.severity, o.success, o.unexpected_count)
             for o in outcomes],
        )


def _finish(conn: psycopg.Connection, sub: Submission) -> None:
    conn.execute(
        """update ops.submission set status = %s, dataset = %s, rows_total = %s, rows_valid = %s, errors = %s,
                  warnings = %s, message_zh = %s, processed_at = now() where submission_id = %s""",
        (sub.status, sub.dataset, sub.rows_total, sub.rows_valid, sub.errors, sub.warnings, sub.message_zh,
         sub.submission_id),
    )


def _supersede(conn: psycopg.Connection, sub: Submission) -> None:
    conn.execute(
        """update ops.submission set status = 'superseded', superseded_by = %s
           where source = %s and dataset = %s and period = %s and submission_id <> %s
             and status in ('accepted', 'accepted_with_warnings')""",
        (sub.submission_id, sub.source, sub.dataset, sub.period, sub.submission_id),
    )


def process_file(conn: psycopg.Connection, landed: LandedFile) -> dict:
    """Process one landed file and return its register row as a dict (what the DAG task reports).

    `new` is False when the file had already been decided by an earlier run, which then changes nothing.
    """
    archived = archive(landed.path, settings().archive)
    sub = register(conn, landed, archived)
    if sub.status in FINAL_STATUSES:
        return {**asdict(sub), "new": False}
    original = earlier_copy(conn, sub)
    if original is not None:
        with conn.transaction():
            sub.status = "duplicate"
            sub.message_zh = _message("duplicate", None, None, 0, 0, None)
            _finish(conn, sub)
            conn.execute("update ops.submission set duplicate_of = %s where submission_id = %s",
                         (original, sub.submission_id))
        return {**asdict(sub), "new": True}

    findings: list[Finding] = []
    outcomes: list[ExpectationOutcome] = []
    frame = None
    try:
        parsed = parse(landed.path, file_name=landed.file_name, candidates=datasets_for(landed.source))
        sub.dataset = parsed.dataset
        sub.rows_total = len(parsed.rows)
        frame, findings = normalize(parsed)
        findings = title_findings(parsed, landed) + findings
        if not parsed.missing_columns:
            package = load_context(conn, sub.source, parsed.dataset, sub.period)
            if parsed.dataset in DEPENDS_ON_LEDGER and package.ledger is None:
                findings.append(Finding(
                    None, None, None, "本区本月的项目台账尚未报送或未通过校验，暂无法核对本表的项目编号和户数；"
                    "项目台账通过后请重新报送本表", "warning", "ledger_available"))
            validation = validate(frame, parsed, findings, package)
            findings, outcomes = validation.findings, validation.outcomes
    except ParseError as err:
        findings = [Finding(None, None, None, str(err), check="unreadable")]
    errors = [f for f in findings if f.severity == "error"]
    sub.errors, sub.warnings = len(errors), len(findings) - len(errors)
    title = contract(sub.dataset).title_zh if sub.dataset else None
    with conn.transaction():
        if errors or frame is None:
            sub.status, sub.rows_valid = "rejected", 0
        else:
            sub.rows_valid = copy_rows(conn, sub.submission_id, sub.source, sub.period, frame, sub.dataset)
            sub.status = "accepted_with_warnings" if sub.warnings else "accepted"
            _supersede(conn, sub)
        sub.message_zh = _message(sub.status, title, sub.rows_total, sub.errors, sub.warnings,
                                  errors[0] if errors else None)
        _record(conn, sub, findings, outcomes)
        _finish(conn, sub)
    return {**asdict(sub), "new": True}
