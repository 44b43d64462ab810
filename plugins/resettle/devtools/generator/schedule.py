"""When each office sends its files: mostly on a working day between the 15th and the 24th, a few late.

The intake takes a file's received time from its mtime, so timeliness views and reminders need submission
times that look like a real month: office hours, working days, and in some months one or two offices past
the 25th deadline.
"""

from __future__ import annotations

import datetime as dt
import random
from zoneinfo import ZoneInfo

from resettle.devtools.generator.world import month_end
from resettle.domain.config import SOURCES

TZ = ZoneInfo("Asia/Shanghai")


def _weekdays(month_start: dt.date, first: int, last: int) -> list[dt.date]:
    days = [month_start.replace(day=d) for d in range(first, min(last, month_end(month_start).day) + 1)]
    return [d for d in days if d.weekday() < 5] or days


def submission_times(seed: int, month_start: dt.date) -> dict[str, dt.datetime]:
    """Each source's submission time for one reporting month, in Asia/Shanghai.

    Over any three consecutive months one month has no late source, one has one and one has two.
    """
    rng = random.Random(f"{seed}/submissions/{month_start:%Y-%m}")
    n_late = (0, 1, 2)[(month_start.year * 12 + month_start.month + seed) % 3]
    late = rng.sample(SOURCES, n_late)
    times = {}
    for source in SOURCES:
        first, last = (26, 31) if source in late else (15, 24)
        day = rng.choice(_weekdays(month_start, first, last))
        minute = rng.choice((rng.randint(8 * 60 + 30, 11 * 60 + 50), rng.randint(14 * 60, 17 * 60 + 30)))
        times[source] = dt.datetime(
            day.year, day.month, day.day, minute // 60, minute % 60, rng.randrange(60), tzinfo=TZ
        )
    return times


def events_cutoff(times: dict[str, dt.datetime], month_start: dt.date) -> dt.date:
    """The last day of the month's events: the day before the earliest file, so every file sees them all."""
    return max(month_start, min(t.date() for t in times.values()) - dt.timedelta(days=1))


def file_time(submitted: dt.datetime, index: int) -> dt.datetime:
    """A source's later files of the same month leave its mailbox a few minutes apart."""
    return submitted + dt.timedelta(minutes=4 * index, seconds=13 * index)
