"""The Chinese an office clerk, the leading-group office or an engineer reads in an alert.

Kept in one module so the wording can be reviewed (and corrected) in one place, apart from the rules that
decide when an alert is due. Every text says what is wrong, for which source, dataset and month, and what to
do next. Functions take plain values and return `(title_zh, message_zh)`; the message is plain text whose
lines also read well as Markdown (the webhook channels render it as such).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from resettle.domain import links
from resettle.domain.findings import Finding
from resettle.domain.identifiers import mask_personal
from resettle.domain.periods import SHANGHAI, zh_month

STATE_ZH = {
    "missing": "未报送",
    "rejected": "已报送但被退回，尚无通过校验的文件",
    "processing": "文件正在校验中",
    "complete": "已通过",
}


def when(moment: dt.datetime) -> str:
    """`2026年10月25日 23:59`, Beijing time: how a deadline is written on a notice."""
    local = moment.astimezone(SHANGHAI)
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


def mask(value: str | None) -> str:
    """Hide the middle of long digit runs (resident ID and phone numbers): alerts travel by email and group
    chat, so they carry where the problem is, not the personal data itself (the receipt has the full value)."""
    if value is None or value == "":
        return "（空）"
    return mask_personal(str(value))


def _datasets(lines: Sequence[tuple[str, str]]) -> str:
    return "\n".join(f"- {title}：{state}" for title, state in lines)


def reminder(source_zh: str, period: str, due: dt.datetime, pending: Sequence[tuple[str, str]]) -> tuple[str, str]:
    """Before the due time: the source still has datasets without an accepted file."""
    title = f"【报送提醒】{source_zh}{zh_month(period)}数据将于{when(due)}截止"
    text = (
        f"{source_zh}：\n"
        f"{zh_month(period)}数据的报送截止时间为{when(due)}（北京时间）。以下数据尚未报送成功：\n"
        f"{_datasets(pending)}\n"
        "请在截止时间前将文件报送到本单位的报送文件夹；被退回的文件请按回执修改后重新报送。"
        "如确有困难无法按时报送，请提前联系领导小组办公室申请延期。"
    )
    return title, text


def late(
    source_zh: str,
    dataset_zh: str,
    period: str,
    due: dt.datetime,
    days_late: int,
    state: str,
    latest_file: str | None,
    latest_errors: int | None,
) -> tuple[str, str]:
    """After the due time: one dataset of a source is still missing or rejected."""
    title = f"【逾期未报】{source_zh}{zh_month(period)}「{dataset_zh}」已逾期{days_late}天"
    if state == "rejected" and latest_file:
        status = f"最近一次报送的文件《{latest_file}》未通过校验被退回（{latest_errors or 0}处错误），数据尚未入库"
    else:
        status = "尚未收到该数据的文件"
    text = (
        f"{source_zh}{zh_month(period)}的「{dataset_zh}」应于{when(due)}前报送，现已逾期{days_late}天。\n"
        f"当前情况：{status}。\n"
        "请尽快报送（被退回的请按回执修改后重新报送）；如需延期，请联系领导小组办公室。"
    )
    return title, text


def escalation(
    source_zh: str, period: str, due: dt.datetime, days_late: int, overdue: Sequence[tuple[str, str]]
) -> tuple[str, str]:
    """After K days late: leadership and the office are told which source is holding the month up."""
    title = f"【逾期督办】{source_zh}{zh_month(period)}数据逾期{days_late}天仍未报送"
    text = (
        f"{source_zh}{zh_month(period)}的数据应于{when(due)}前报送，已逾期{days_late}天，以下数据仍未报送成功：\n"
        f"{_datasets(overdue)}\n"
        f"已多次提醒{source_zh}。请领导小组办公室督促其尽快报送，并在联审会签前核实该单位数据是否缺失。"
    )
    return title, text


def _listed(findings: Sequence[Finding]) -> list[str]:
    lines = []
    for i, f in enumerate(findings, 1):
        where = (
            "、".join(p for p in (f"第{f.row}行" if f.row else "", f"“{f.column}”列" if f.column else "") if p)
            or "整个文件"
        )
        value = f"，填写的值：{mask(f.value)}" if f.row else ""
        lines.append(f"{i}. {where}{value}：{f.message_zh}")
    return lines


def _receipt_line(receipt: str | None) -> str:
    """The receipt by its name: the mail carries it as an attachment, a group chat names it."""
    if not receipt:
        return "回执文件正在生成，请稍后在本单位的回执文件夹查看。"
    return f"回执文件：《{receipt}》（邮件附件；也可在本单位的回执文件夹中查看）"


def invalid(
    source_zh: str,
    dataset_zh: str | None,
    period: str,
    file_name: str,
    errors: int,
    findings: Sequence[Finding],
    receipt: str | None,
) -> tuple[str, str]:
    """A file was rejected: the count, the first problems with their Excel cell, and the receipt by its name
    (`receipt` is the receipt's file name; the mail carries the workbook)."""
    what = f"「{dataset_zh}」" if dataset_zh else "（未能识别数据类型）"
    title = f"【文件退回】{source_zh}{zh_month(period)}{what}文件《{file_name}》未通过校验"
    lines = _listed(findings)
    more = f"\n（以上为前{len(findings)}处，全部问题见回执）" if errors > len(findings) else ""
    receipt_line = _receipt_line(receipt)
    text = (
        f"{source_zh}报送的{zh_month(period)}{what}文件《{file_name}》未通过校验，整个文件已退回，数据未入库。\n"
        f"共发现{errors}处错误：\n" + "\n".join(lines) + more + "\n"
        f"{receipt_line}\n"
        "请按回执逐条修改后，将整个文件重新报送到原文件夹；修改后的文件会自动替换本次报送。"
    )
    return title, text


def warned(
    source_zh: str,
    dataset_zh: str | None,
    period: str,
    file_name: str,
    warnings: int,
    findings: Sequence[Finding],
    receipt: str | None,
) -> tuple[str, str]:
    """A file was accepted with warnings: what to check, by cell, and the receipt by its name."""
    what = f"「{dataset_zh}」" if dataset_zh else ""
    title = f"【数据提示】{source_zh}{zh_month(period)}{what}文件《{file_name}》已接收，有{warnings}处需要核实"
    more = f"\n（以上为前{len(findings)}处，全部提示见回执）" if warnings > len(findings) else ""
    text = (
        f"{source_zh}报送的{zh_month(period)}{what}文件《{file_name}》已通过校验，数据已入库，"
        f"但有{warnings}处需要核实：\n" + "\n".join(_listed(findings)) + more + "\n"
        f"{_receipt_line(receipt)}\n"
        "请逐条核实：确有错误的，请更正后将整个文件重新报送到原文件夹（更正后的文件会自动替换本次报送）；"
        "核实无误的，无需处理。"
    )
    return title, text


def task_failed(
    dag_id: str, task_id: str | None, run_id: str, try_number: int | None, error: str | None, log_url: str | None
) -> tuple[str, str]:
    """A task (or a whole DAG run) failed after its retries: for the engineers on duty."""
    log_url = links.airflow(log_url)
    what = f"任务 {dag_id}.{task_id}" if task_id else f"流程 {dag_id}"
    title = f"【流程故障】{what} 运行失败"
    text = (
        f"{what} 运行失败（运行编号 {run_id}"
        + (f"，第{try_number}次尝试" if try_number else "")
        + "）。\n"
        + (f"错误信息：{error}\n" if error else "")
        + (f"日志：{log_url}\n" if log_url else "")
        + f"请值班工程师查看任务日志并处理；处理方法见 DAG {dag_id} 文档中的 Triage 部分。"
    )
    return title, text


def run_overdue(dag_id: str, run_id: str, deadline: str | None) -> tuple[str, str]:
    """A DAG run did not finish by its deadline (Airflow Deadline Alert)."""
    title = f"【流程超时】{dag_id} 未在规定时间内完成"
    text = (
        f"流程 {dag_id} 的运行 {run_id} 未在规定时间"
        + (f"（{deadline}）" if deadline else "")
        + "前完成，数据可能未按时更新。\n"
        "请值班工程师在 Airflow 中查看该运行卡在哪个任务（排队、重试或长时间运行），处理后确认本月数据已更新。"
    )
    return title, text


def supervision_overdue(
    unit_zh: str, item_no: str, task: str, project: str | None, due: dt.date, days_overdue: int
) -> tuple[str, str]:
    """A supervised task (督办事项) past its due date and not reported done."""
    where = f"（项目{project}）" if project else ""
    title = f"【督办逾期】{unit_zh}督办事项{item_no}已超过办结时限{days_overdue}天"
    text = (
        f"{unit_zh}：\n"
        f"领导小组办公室交办的督办事项{item_no}{where}：{task}，办结时限为{due.year}年{due.month}月{due.day}日，"
        f"目前仍未办结，已逾期{days_overdue}天。\n"
        "请尽快办理，并将办理情况报领导小组办公室；办结后在下一期督办事项表中填写办结日期。"
    )
    return title, text


def file_failed(source_zh: str, period: str, file_name: str, submission_id: int, error: str | None) -> tuple[str, str]:
    """Processing a file failed on our side (not the sender's): for the engineers on duty."""
    title = f"【处理故障】{source_zh}{zh_month(period)}文件《{file_name}》处理出错"
    text = (
        f"{source_zh}报送的{zh_month(period)}文件《{file_name}》（登记号 {submission_id}）在处理时出错，"
        "状态已记为“系统处理出错”，报送单位已收到回执（无需重新报送）。\n"
        + (f"错误信息：{error}\n" if error else "")
        + "请值班工程师查看任务日志并处理；修复后再次运行即会自动重新处理该文件。"
    )
    return title, text
