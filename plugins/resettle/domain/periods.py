"""Reporting months (`YYYY-MM`): arithmetic and the month currently due."""

from __future__ import annotations

import argparse
import datetime as dt
import math
import re

from resettle.domain import reference

PERIOD_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def add_months(period: str, n: int) -> str:
    year, month = int(period[:4]), int(period[5:])
    index = year * 12 + month - 1 + n
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def last_due_period(today: dt.date | None = None) -> str:
    """The latest month whose submissions are due by today: this month from the earliest due day of the
    `sources` seed on, else the month before."""
    today = today or dt.date.today()
    period = f"{today.year:04d}-{today.month:02d}"
    return period if today.day >= reference.first_due_day() else add_months(period, -1)


SHANGHAI = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")


def due_at(period: str, day: int) -> dt.datetime:
    """When a month's submissions are due: the due day of the reporting month, 23:59:59 Asia/Shanghai (a
    source's due day is in the `sources` seed only; see resettle.timeliness.expected for extensions)."""
    return dt.datetime(int(period[:4]), int(period[5:]), day, 23, 59, 59, tzinfo=SHANGHAI)


def days_past(due: dt.datetime, moment: dt.datetime) -> int:
    """How many days late `moment` is for `due`, counting a day begun as a whole one; 0 up to the due time."""
    return max(0, math.ceil((moment - due).total_seconds() / 86400))


def zh_month(period: str) -> str:
    return f"{period[:4]}年{int(period[5:])}月"


def period_arg(text: str) -> str:
    """A reporting month as typed on the command line (argparse type)."""
    if not PERIOD_RE.match(text):
        raise argparse.ArgumentTypeError(f"not a reporting month YYYY-MM: {text!r}")
    return text


def moment_arg(text: str) -> dt.datetime:
    """A date-time as typed on the command line (argparse type); without an offset it is Beijing time."""
    try:
        moment = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not a date-time (e.g. 2026-10-26 09:00 or 2026-10-26T09:00+08:00): {text!r}"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=SHANGHAI)
