"""Take one landed file all the way: archive, register, parse, validate, then publish or reject.

Each file is processed on its own, so one bad district never blocks the others, and re-processing a file
that was already decided changes nothing.
"""

from __future__ import annotations

import logging
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict

import psycopg

from resettle.domain import reference
from resettle.domain.config import settings
from resettle.domain.contracts import contract, datasets_for
from resettle.intake.archive import archive
from resettle.intake.context import DEPENDS_ON_LEDGER, load_context
from resettle.intake.discover import LandedFile
from resettle.intake.normalize import Finding, normalize
from resettle.intake.parse import ParsedFile, ParseError, detect_dataset, parse
from resettle.intake.publish import copy_rows
from resettle.intake.register import FINAL_STATUSES, Submission, earlier_copy, register
from resettle.intake.validate import ExpectationOutcome, Validation, validate

log = logging.getLogger(__name__)
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
            parsed.title_row, None, parsed.title,
            f"表格标题写的是“{named[0].name_zh}”，但文件报送在“{own.name_zh}”的文件夹中，请确认是否报错了区",
            check="title_district"))
    m = _TITLE_PERIOD.search(parsed.title)
    if m and f"{m[1]}-{int(m[2]):02d}" != landed.period:
        findings.append(Finding(
            parsed.title_row, None, parsed.title,
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
    parsed = None
    try:
        parsed = parse(landed.path, file_name=landed.file_name, candidates=datasets_for(landed.source))
        sub.dataset = parsed.dataset
        sub.rows_total = len(parsed.frame)
        frame, findings = normalize(parsed)
        parsed.release_data()
        findings = title_findings(parsed, landed) + findings
        if not parsed.missing_columns:
            package = load_context(conn, sub.source, parsed.dataset, sub.period)
            if parsed.dataset in DEPENDS_ON_LEDGER and package.ledger is None:
                findings.append(Finding(
                    None, None, None, "本区本月的项目台账尚未报送或未通过校验，暂无法核对本表的项目编号和户数；"
                    "项目台账通过后请重新报送本表", "warning", "ledger_available"))
            published, validation = _write_audit_publish(conn, sub, frame, parsed, findings, package)
            findings, outcomes = validation.findings, validation.outcomes
            if published:
                return _done(sub, landed, archived.path, findings, parsed)
    except ParseError as err:
        findings = [Finding(None, None, None, str(err), check="unreadable")]
        sub.dataset = sub.dataset or detect_dataset(landed.file_name, candidates=datasets_for(landed.source))
    with conn.transaction():
        sub.status, sub.rows_valid = "rejected", 0
        _decide(conn, sub, findings, outcomes)
    return _done(sub, landed, archived.path, findings, parsed)


def _write_audit_publish(conn: psycopg.Connection, sub: Submission, frame, parsed: ParsedFile,
                         findings: list[Finding], package) -> tuple[bool, Validation]:
    """Write the rows, audit them, and publish, in one transaction; the write and the audit overlap.

    COPY runs in a second thread while the suite runs here (the database does its share of the work while
    Python validates). If the audit finds an error the transaction is rolled back, so not one row of the
    file reaches `raw`; otherwise the rows, the register status and the superseding land together.
    """
    with conn.transaction():
        with ThreadPoolExecutor(max_workers=1) as pool:
            copying = pool.submit(copy_rows, conn, sub.submission_id, sub.source, sub.period, frame, sub.dataset)
            validation = validate(frame, parsed, findings, package)
            rows_written = copying.result()
        if validation.errors:
            raise psycopg.Rollback()
        sub.rows_valid = rows_written
        sub.status = "accepted_with_warnings" if validation.warnings else "accepted"
        _supersede(conn, sub)
        _decide(conn, sub, validation.findings, validation.outcomes)
    if validation.gx_result is not None:
        from resettle.intake import docs

        docs.record(validation.gx_result, submission_id=sub.submission_id, source=sub.source,
                    dataset=sub.dataset, period=sub.period, file_name=sub.file_name)
    return sub.status != "received", validation


def _decide(conn: psycopg.Connection, sub: Submission, findings: list[Finding],
            outcomes: list[ExpectationOutcome]) -> None:
    errors = [f for f in findings if f.severity == "error"]
    sub.errors, sub.warnings = len(errors), len(findings) - len(errors)
    title = contract(sub.dataset).title_zh if sub.dataset else None
    sub.message_zh = _message(sub.status, title, sub.rows_total, sub.errors, sub.warnings,
                              errors[0] if errors else None)
    _record(conn, sub, findings, outcomes)
    _finish(conn, sub)


def _done(sub: Submission, landed: LandedFile, original, findings: list[Finding], parsed: ParsedFile | None) -> dict:
    if sub.status in ("rejected", "accepted_with_warnings"):
        _receipt(sub, landed, original, findings, parsed)
    return {**asdict(sub), "new": True}


def _receipt(sub: Submission, landed: LandedFile, original, findings: list[Finding],
             parsed: ParsedFile | None) -> None:
    """Write the clerk's receipt; a failure here is logged, never undoes the decision already recorded."""
    from resettle.intake.receipt import write_receipt
    from resettle.intake.register import received_at

    try:
        write_receipt(
            settings().outbox, source=sub.source, period=sub.period, file_name=sub.file_name, dataset=sub.dataset,
            status=sub.status, submission_id=sub.submission_id, received_at=received_at(landed),
            findings=findings, original=original, sheet=parsed.sheet if parsed else None,
            header_row=parsed.header_row if parsed else None, message_zh=sub.message_zh,
        )
    except Exception:
        log.exception("receipt for submission %s could not be written", sub.submission_id)
