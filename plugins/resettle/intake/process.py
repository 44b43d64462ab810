"""Take one landed file all the way: archive, register, parse, validate, then publish or reject.

Each file is processed on its own, so one bad district never blocks the others, and re-processing a file
that was already decided changes nothing. A file's whole intake holds the (source, month) advisory lock, so
concurrent runs take turns. What can happen to a landed entry:

* refused (a link, a device, a folder too deep, a path leading out of the sender's folder): registered,
  answered, never opened;
* misplaced (anywhere under the sender's folder but not in a month folder): placed in the month its name,
  its folders or its title name when they name exactly one (the receipt says so, a `placed` warning), else
  rejected with where to put it (`misplaced`), registered under the month now due;
* waiting (younger than the settle period, or changing while read): not registered, taken by a later run;
* rejected (including a file beyond a resource limit, see resettle.intake.limits) or accepted;
* failed: anything going wrong on our side; the sender gets a receipt saying so, the run goes on with the
  other files, and the next run tries the file again.
"""

from __future__ import annotations

import logging
import queue
import re
import socket
import traceback
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, replace

import pandas as pd
import psycopg

from resettle.domain import reference
from resettle.domain.config import settings
from resettle.domain.contracts import DEPENDS_ON_LEDGER, contract, datasets_for
from resettle.domain.findings import Finding
from resettle.domain.periods import last_due_period, zh_month
from resettle.domain.vocabulary import final_statuses
from resettle.intake.archive import NotRegular, Unsettled, archive
from resettle.intake.context import load_context, unavailable_references
from resettle.intake.discover import NAME_PERIOD, PLACED_BY_ZH, REFUSED_ZH, LandedFile, misplaced_months, refusal
from resettle.intake.limits import time_limit
from resettle.intake.locks import hold_decisions_lock, intake_lock
from resettle.intake.normalize import normalize
from resettle.intake.parse import ParsedFile, ParseError, detect_dataset, parse, title_months
from resettle.intake.publish import copy_rows
from resettle.intake.register import Submission, earlier_copy, refused_key, register, registered_period
from resettle.intake.validate import ExpectationOutcome, Validation, validate

log = logging.getLogger(__name__)
_TITLE_PERIOD = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月")
FAILED_ZH = "系统处理该文件时出错（不是文件的问题），工程师已收到通知，处理后会自动重新校验，无需重新报送。"


def title_findings(parsed: ParsedFile, landed: LandedFile) -> list[Finding]:
    """A title naming another district or month than the folder the file was dropped in."""
    period = landed.period or ""
    if not parsed.title:
        return []
    findings = []
    own = reference.districts().get(landed.source)
    named = [d for d in reference.districts().values() if d.name_zh in parsed.title]
    if own and named and own not in named:
        findings.append(
            Finding(
                parsed.title_row,
                None,
                parsed.title,
                f"表格标题写的是“{named[0].name_zh}”，但文件报送在“{own.name_zh}”的文件夹中，请确认是否报错了区",
                check="title_district",
            )
        )
    m = _TITLE_PERIOD.search(parsed.title)
    if m and f"{m[1]}-{int(m[2]):02d}" != period:
        findings.append(
            Finding(
                parsed.title_row,
                None,
                parsed.title,
                f"表格标题写的是{m[1]}年{int(m[2])}月，但报送期为{period[:4]}年{int(period[5:])}月，请确认月份",
                check="title_period",
            )
        )
    return findings


def period_findings(parsed: ParsedFile, landed: LandedFile, frame) -> list[Finding]:
    """A file whose name or contents give another month than its folder: last month's file copied into this
    month's folder must not be put in force as this month's data. (The title is checked by title_findings.)"""
    period = landed.period or ""
    findings = []
    m = NAME_PERIOD.search(landed.file_name)
    if m and f"{m[1]}-{int(m[2]):02d}" != period:
        findings.append(
            Finding(
                None,
                None,
                landed.file_name,
                f"文件名写的是{m[1]}年{int(m[2])}月，但报送在{period[:4]}年{int(period[5:])}月的文件夹中，"
                "请确认是否报错了月份",
                check="name_period",
            )
        )
    for col in contract(parsed.dataset).columns:
        if col.type != "period" or col.name not in frame.columns:
            continue
        values = frame[col.name].dropna().astype(str)
        if len(values) and not (values == period).any():
            named = values.value_counts().index[0]
            findings.append(
                Finding(
                    None,
                    parsed.columns.get(col.name, col.header_zh),
                    named,
                    f"表中“{parsed.columns.get(col.name, col.header_zh)}”没有一行是{period[:4]}年"
                    f"{int(period[5:])}月（多为{named}），文件可能是其他月份的，请确认后重新报送",
                    check="content_period",
                )
            )
    return findings


def placement_findings(landed: LandedFile) -> list[Finding]:
    """A misplaced file placed in a month: the sender is told where it was, how it was placed, and where
    files go (a warning: the data is taken, the habit should change)."""
    if not landed.misplaced or landed.placed not in PLACED_BY_ZH or landed.period is None:
        return []
    where = f"“{landed.folder}/”文件夹中" if landed.folder else "本单位报送文件夹的根目录下"
    home = f"{landed.source}/{landed.period}/"
    return [
        Finding(
            None,
            None,
            landed.file_name,
            f"文件放在{where}，不在规定的 {home} 文件夹中；系统按{PLACED_BY_ZH[landed.placed]}将其归入"
            f"{zh_month(landed.period)}的报送。今后请直接放入 {home}",
            "warning",
            "placed",
        )
    ]


def misplaced_zh(source: str, months: list[str], due: str) -> str:
    """What a misplaced file whose month cannot be told is answered: where to put it."""
    if months:
        why = f"文件名、所在文件夹或表格标题写了不同的月份（{'、'.join(zh_month(m) for m in months)}）"
    else:
        why = "文件名、所在文件夹和表格标题都没有写明所属月份"
    return (
        f"该文件不在本单位的月份报送文件夹中，{why}，系统无法判断它是哪个月的数据，未读取。"
        f"请放入 {source}/<YYYY-MM>/ 文件夹（YYYY-MM 为数据所属月份，如 {source}/{months[0] if months else due}/）"
        "后重新报送"
    )


def malformed_findings(parsed: ParsedFile) -> list[Finding]:
    """CSV lines with more or fewer fields than the header: an error each, never dropped in silence."""
    width = len(parsed.headers)
    return [
        Finding(
            n,
            None,
            None,
            f"该行的字段数与表头（{width}列）不一致，可能多了或少了逗号，或有未闭合的引号，该行无法读取",
            check="row_width",
        )
        for n in parsed.malformed_rows
    ]


def _message(
    status: str, dataset_title: str | None, rows: int | None, errors: int, warnings: int, first: Finding | None
) -> str:
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


def _record(
    conn: psycopg.Connection, sub: Submission, findings: list[Finding], outcomes: list[ExpectationOutcome]
) -> None:
    conn.execute("delete from ops.finding where submission_id = %s", (sub.submission_id,))
    conn.execute("delete from ops.validation_result where submission_id = %s", (sub.submission_id,))
    with conn.cursor() as cur:
        cur.executemany(
            """insert into ops.finding (submission_id, finding_no, severity, check_name, excel_row, column_header,
                                        value, message_zh) values (%s, %s, %s, %s, %s, %s, %s, %s)""",
            [
                (sub.submission_id, i, f.severity, f.check, f.row, f.column, f.value, f.message_zh)
                for i, f in enumerate(findings, start=1)
            ],
        )
        cur.executemany(
            """insert into ops.validation_result (submission_id, expectation, check_name, column_name, severity,
                                                  success, unexpected_count) values (%s, %s, %s, %s, %s, %s, %s)
               on conflict do nothing""",
            [
                (sub.submission_id, o.expectation, o.check, o.column or "", o.severity, o.success, o.unexpected_count)
                for o in outcomes
            ],
        )


def _finish(conn: psycopg.Connection, sub: Submission) -> None:
    # the decision is stamped once no build can be reading without it (locks.hold_decisions_lock)
    hold_decisions_lock(conn)
    conn.execute(
        """update ops.submission set status = %s, dataset = %s, rows_total = %s, rows_valid = %s, errors = %s,
                  warnings = %s, message_zh = %s, processed_at = clock_timestamp(), processed_by = %s
            where submission_id = %s""",
        (
            sub.status,
            sub.dataset,
            sub.rows_total,
            sub.rows_valid,
            sub.errors,
            sub.warnings,
            sub.message_zh,
            socket.gethostname(),
            sub.submission_id,
        ),
    )


def _supersede(conn: psycopg.Connection, sub: Submission) -> None:
    """Settle which accepted file is in force for the source, dataset and month: the latest received, ties
    broken by register order, whatever order the files were processed in (a file retried after a failure
    does not displace a newer one). Every other accepted file is superseded by it."""
    found = conn.execute(
        """select submission_id, received_at from ops.submission_in_force
           where source = %s and dataset = %s and period = %s
           union
           select submission_id, received_at from ops.submission where submission_id = %s
           order by received_at desc, submission_id desc limit 1""",
        (sub.source, sub.dataset, sub.period, sub.submission_id),
    ).fetchone()
    in_force = found[0] if found else sub.submission_id
    conn.execute(
        """update ops.submission set status = 'superseded', superseded_by = %s
           where submission_id <> %s and submission_id in (
               select submission_id from ops.submission_in_force
               where source = %s and dataset = %s and period = %s)""",
        (in_force, in_force, sub.source, sub.dataset, sub.period),
    )
    if in_force != sub.submission_id:
        sub.status = "superseded"
        conn.execute(
            "update ops.submission set superseded_by = %s where submission_id = %s", (in_force, sub.submission_id)
        )


def process_file(conn: psycopg.Connection, landed: LandedFile) -> dict:
    """Process one landed file and return its register row as a dict (what the DAG task reports).

    `new` is False when the file had already been decided by an earlier run, which then changes nothing.
    `status` is `waiting` (nothing registered) when the file may still be uploading. Never raises for a
    problem with the file; an error of ours marks the file `failed` (see `_fail`) and is reported in the
    outcome (`error`), unless the warehouse itself is unreachable. The decision is committed before the
    validation result goes to Data Docs, which never hold the warehouse transaction open.
    """
    if landed.period is None:
        return _place(conn, landed)
    documented: list = []
    with intake_lock(conn, landed.source, landed.period):
        if landed.refused:
            return _refuse(conn, landed)
        try:
            archived = archive(landed.path, settings().archive, settings().settle_seconds)
        except Unsettled as err:
            log.info("waiting for %s: %s", landed.path, err)
            return _waiting(landed)
        except NotRegular:  # replaced (by a link, a FIFO...) after discovery
            reason = refusal(landed.path, landed.path.parent.resolve()) or "special"
            return _refuse(conn, replace(landed, refused=reason))
        sub = register(conn, landed, archived)
        if sub.status in final_statuses():
            return {**asdict(sub), "new": False}
        try:
            outcome = _process(conn, landed, archived, sub, documented)
        except psycopg.OperationalError:
            raise
        except Exception as err:
            return _fail(conn, landed, sub, err)
        conn.commit()
    if documented:
        from resettle.intake import docs

        decided, gx_result = documented[0]
        docs.record(
            gx_result,
            submission_id=decided.submission_id,
            source=decided.source,
            dataset=decided.dataset,
            period=decided.period,
            file_name=decided.file_name,
        )
    return outcome


def _waiting(landed: LandedFile) -> dict:
    return {
        "source": landed.source,
        "period": landed.period,
        "file_name": landed.file_name,
        "status": "waiting",
        "dataset": None,
        "new": False,
    }


def _place(conn: psycopg.Connection, landed: LandedFile) -> dict:
    """A misplaced entry whose names give no month (or more than one): its title may tell the month; if
    nothing does, it is rejected with where to put it, under the month now due. An entry seen before is
    taken to the month it was registered under, so it is decided once."""
    if landed.refused:
        seen = registered_period(conn, landed.source, landed.file_name, refused_key(landed))
        return process_file(conn, replace(landed, period=seen[0] if seen else last_due_period()))
    try:
        archived = archive(landed.path, settings().archive, settings().settle_seconds)
    except Unsettled as err:
        log.info("waiting for %s: %s", landed.path, err)
        return _waiting(landed)
    except NotRegular:
        return process_file(
            conn, replace(landed, refused=refusal(landed.path, landed.path.parent.resolve()) or "special")
        )
    by_name, by_folder = misplaced_months(landed.folder or "", landed.path.name)
    months = list(dict.fromkeys(by_name + by_folder))
    if len(months) == 1:  # a task built by hand: placed as discovery would have placed it
        return process_file(conn, replace(landed, period=months[0], placed="name" if by_name else "folder"))
    seen = registered_period(conn, landed.source, landed.file_name, archived.sha256)
    if seen and seen[1]:
        return _reject_misplaced(conn, replace(landed, period=seen[0]), archived, months)
    if seen:
        return process_file(conn, replace(landed, period=seen[0], placed="title"))
    if not months:
        try:
            with time_limit():
                months = title_months(archived.path, landed.file_name)
        except ParseError:
            months = []
        if len(months) == 1:
            return process_file(conn, replace(landed, period=months[0], placed="title"))
    return _reject_misplaced(conn, replace(landed, period=last_due_period()), archived, months)


def _reject_misplaced(conn: psycopg.Connection, landed: LandedFile, archived, months: list[str]) -> dict:
    """Register a misplaced file whose month cannot be told and tell the sender where to put it."""
    if landed.period is None:
        raise ValueError("a misplaced file is registered under a month")
    with intake_lock(conn, landed.source, landed.period):
        sub = register(conn, landed, archived)
        if sub.status in final_statuses():
            return {**asdict(sub), "new": False}
        finding = Finding(
            None, None, landed.file_name, misplaced_zh(landed.source, months, landed.period), check="misplaced"
        )
        with conn.transaction():
            sub.status, sub.rows_total, sub.rows_valid = "rejected", None, 0
            sub.dataset = detect_dataset(landed.file_name, candidates=datasets_for(landed.source))
            sub.errors, sub.warnings, sub.message_zh = 1, 0, f"“{landed.file_name}”未读取：{finding.message_zh}。"
            _record(conn, sub, [finding], [])
            _finish(conn, sub)
    _receipt(conn, sub, None, [finding], None)
    return {**asdict(sub), "new": True}


def _refuse(conn: psycopg.Connection, landed: LandedFile) -> dict:
    """Register a refused entry and answer it; nothing of its target is read, archived or copied."""
    sub = register(conn, landed, None)
    if sub.status == "refused":
        return {**asdict(sub), "new": False}
    reason = landed.refused or "special"
    finding = Finding(None, None, None, REFUSED_ZH[reason], check=f"refused_{reason}")
    with conn.transaction():
        sub.status, sub.rows_total, sub.rows_valid = "refused", None, 0
        sub.errors, sub.warnings, sub.message_zh = 1, 0, f"“{landed.file_name}”未读取：{finding.message_zh}。"
        _record(conn, sub, [finding], [])
        _finish(conn, sub)
    _receipt(conn, sub, None, [finding], None)
    return {**asdict(sub), "new": True}


def _fail(conn: psycopg.Connection, landed: LandedFile, sub: Submission, err: BaseException) -> dict:
    """Our error while processing a file: the file is `failed` (never left `received`), the sender is told it
    is not their fault, and the outcome carries the error for the engineers' alert. Retried next run."""
    log.exception("processing %s (submission %s) failed", landed.path, sub.submission_id)
    if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
        conn.rollback()
    with conn.transaction():
        sub.status, sub.rows_valid = "failed", 0
        sub.errors, sub.warnings, sub.message_zh = 0, 0, FAILED_ZH
        _finish(conn, sub)
    _receipt(conn, sub, None, [], None)
    error = "".join(traceback.format_exception_only(type(err), err)).strip()[:500]
    return {**asdict(sub), "new": True, "error": error}


def _process(conn: psycopg.Connection, landed: LandedFile, archived, sub: Submission, documented: list) -> dict:
    original = earlier_copy(conn, sub)
    # Each decision below commits in a transaction of its own, before its receipt is written: while it
    # commits it holds up dbt builds (locks.hold_decisions_lock), and a receipt is not theirs to wait for.
    conn.commit()
    if original is not None:
        with conn.transaction():
            sub.status = "duplicate"
            sub.message_zh = _message("duplicate", None, None, 0, 0, None)
            _finish(conn, sub)
            conn.execute(
                "update ops.submission set duplicate_of = %s where submission_id = %s", (original, sub.submission_id)
            )
        _receipt(conn, sub, None, [], None)
        return {**asdict(sub), "new": True}

    findings: list[Finding] = []
    outcomes: list[ExpectationOutcome] = []
    parsed = None
    published = False
    try:
        with time_limit():  # parsing and validating; the receipt is written after, outside the limit
            parsed = parse(archived.path, file_name=landed.file_name, candidates=datasets_for(landed.source))
            sub.dataset = parsed.dataset
            sub.rows_total = len(parsed.frame)
            if parsed.missing_columns:  # not publishable: typed only to tell the sender everything at once
                frame, typing_findings = normalize(parsed)
                parsed.release_data()
                findings = file_findings(parsed, landed, frame, typing_findings)
            else:
                package = load_context(conn, sub.source, parsed.dataset, sub.period)
                published, validation = _write_audit_publish(conn, sub, landed, parsed, package)
                if validation.gx_result is not None:
                    documented.append((sub, validation.gx_result))
                findings, outcomes = validation.findings, validation.outcomes
    except ParseError as err:
        if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            conn.rollback()
        row = conn.execute(
            "select status from ops.submission where submission_id = %s", (sub.submission_id,)
        ).fetchone()
        decided = row[0] if row else "received"
        conn.commit()
        if decided != "received":  # the time limit struck after the file was published: it stays published
            sub.status = decided
            return {**asdict(sub), "new": True}
        findings = [*placement_findings(landed), Finding(None, None, None, str(err), check="unreadable")]
        sub.dataset = sub.dataset or detect_dataset(landed.file_name, candidates=datasets_for(landed.source))
        parsed = None
    if published:
        return _done(conn, sub, archived.path, findings, parsed)
    with conn.transaction():
        sub.status, sub.rows_valid = "rejected", 0
        _decide(conn, sub, findings, outcomes)
    return _done(conn, sub, archived.path, findings, parsed)


def file_findings(parsed: ParsedFile, landed: LandedFile, frame, typing_findings: list[Finding]) -> list[Finding]:
    """What the file itself tells before the suite runs: where it was put, its title, name and month, lines
    that could not be read, and the cells that could not be typed."""
    return (
        placement_findings(landed)
        + title_findings(parsed, landed)
        + period_findings(parsed, landed, frame)
        + malformed_findings(parsed)
        + typing_findings
    )


def package_findings(dataset: str, package) -> list[Finding]:
    """Checks that cannot be made yet because the district's ledger or a reference list is not in."""
    findings = []
    if dataset in DEPENDS_ON_LEDGER and package.ledger is None:
        findings.append(
            Finding(
                None,
                None,
                None,
                "本区本月的项目台账尚未报送或未通过校验，暂无法核对本表的项目编号和户数；项目台账通过后请重新报送本表",
                "warning",
                "ledger_available",
            )
        )
    return findings + [
        Finding(
            None,
            None,
            None,
            f"尚无已通过校验的{label}，暂无法核对本表的相关编号",
            "warning",
            "reference_available",
        )
        for label in unavailable_references(dataset, package)
    ]


def _write_audit_publish(
    conn: psycopg.Connection, sub: Submission, landed: LandedFile, parsed: ParsedFile, package
) -> tuple[bool, Validation]:
    """Type, write, audit and publish the rows in one transaction; the write overlaps the typing and the audit.

    COPY runs in a second thread, sending each chunk of rows as soon as it is typed, while this thread types
    the next chunk and then runs the suite: the database stores rows while Python reads and validates. If
    the audit finds an error the transaction is rolled back, so not one row of the file reaches `raw`;
    otherwise the rows, the register status and the superseding land together.
    """
    dataset = sub.dataset
    if dataset is None:
        raise ValueError("a file is published only once its dataset is known")
    with conn.transaction():
        typed: queue.SimpleQueue[pd.DataFrame | None] = queue.SimpleQueue()
        with ThreadPoolExecutor(max_workers=1) as pool:
            chunks = _until_end(typed)
            copying = pool.submit(copy_rows, conn, sub.submission_id, sub.source, sub.period, chunks, dataset)
            try:
                frame, typing_findings = normalize(parsed, on_chunk=typed.put)
            finally:
                typed.put(None)  # the end of the rows, also when typing stopped half-way (the time limit)
            parsed.release_data()
            findings = file_findings(parsed, landed, frame, typing_findings) + package_findings(dataset, package)
            validation = validate(frame, parsed, findings, package)
            rows_written = copying.result()
        if validation.errors:
            raise psycopg.Rollback()
        sub.rows_valid = rows_written
        sub.status = "accepted_with_warnings" if validation.warnings else "accepted"
        _decide(conn, sub, validation.findings, validation.outcomes)
        _supersede(conn, sub)
    return sub.status != "received", validation


def _until_end(typed: queue.SimpleQueue) -> Iterator[pd.DataFrame]:
    while (part := typed.get()) is not None:
        yield part


def _decide(
    conn: psycopg.Connection, sub: Submission, findings: list[Finding], outcomes: list[ExpectationOutcome]
) -> None:
    errors = [f for f in findings if f.severity == "error"]
    sub.errors, sub.warnings = len(errors), len(findings) - len(errors)
    title = contract(sub.dataset).title_zh if sub.dataset else None
    sub.message_zh = _message(
        sub.status, title, sub.rows_total, sub.errors, sub.warnings, errors[0] if errors else None
    )
    _record(conn, sub, findings, outcomes)
    _finish(conn, sub)


def _done(
    conn: psycopg.Connection, sub: Submission, original, findings: list[Finding], parsed: ParsedFile | None
) -> dict:
    """Every decided file is answered: a short 已接收 receipt when there is nothing to mark, else the receipt
    with the annotated copy."""
    _receipt(conn, sub, original if parsed is not None and findings else None, findings, parsed)
    return {**asdict(sub), "new": True}


def _receipt(
    conn: psycopg.Connection, sub: Submission, original, findings: list[Finding], parsed: ParsedFile | None
) -> None:
    """Write the clerk's receipt; a failure here is logged, never undoes the decision already recorded.

    The annotated copy of the original is made only from a file parsed as the sender's own dataset
    (`original` is None otherwise), so a receipt never carries content the sender did not send as theirs.
    """
    from resettle.intake.receipt import write_receipt
    from resettle.intake.register import received_at

    try:
        write_receipt(
            settings().outbox,
            source=sub.source,
            period=sub.period,
            file_name=sub.file_name,
            dataset=sub.dataset,
            status=sub.status,
            submission_id=sub.submission_id,
            received_at=received_at(conn, sub.submission_id),
            findings=findings,
            original=original if parsed is not None else None,
            sheet=parsed.sheet if parsed else None,
            header_row=parsed.header_row if parsed else None,
            message_zh=sub.message_zh or "",
        )
    except Exception:
        log.exception("receipt for submission %s could not be written", sub.submission_id)
