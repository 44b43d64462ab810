"""The demo's last month: what the platform is for, staged on purpose.

One district sends all its files two days after the due time, every other source sends on time, and one
district's file carries a clerk's mistake that rejects it; the corrected file follows the next morning.
Files that arrive after the month is first processed (the late district's, the corrected one) are written
under `later/` with the landing zone's layout, for the demo to drop in when their time comes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from resettle.domain import reference
from resettle.domain.periods import due_at

CORRECTED = "（修改后）"
"""What a clerk appends to the name of a corrected file."""


@dataclass(frozen=True)
class Story:
    late: str = "xingan"
    """The district that files late."""
    rejected: tuple[str, str] = ("taishan", "household_roster")
    """The source and dataset whose first file is rejected, then sent again corrected."""
    mistake: str = "id_check_char_wrong"
    """The kind of mistake (`errors.KINDS`) that rejects it."""
    later: Path = Path("later")
    """Where files that arrive after the month's first run are written (same layout as the landing zone)."""
    now: dt.datetime | None = None
    """Nothing is dated after this moment (default: now)."""


@dataclass(frozen=True)
class Staged:
    """Where the story landed: the files and the moments the demo needs."""

    period: str
    late: str
    late_at: dt.datetime
    due_at: dt.datetime
    rejected: Path
    corrected: Path

    @property
    def alert_moment(self) -> dt.datetime:
        """Between the due time and the late files: the late district's datasets are missing then."""
        return self.due_at + (self.late_at - self.due_at) / 2

    def to_dict(self, out: Path) -> dict:
        def rel(path: Path) -> str:
            return path.relative_to(out).as_posix() if path.is_relative_to(out) else str(path)

        return {
            "period": self.period,
            "late": self.late,
            "late_at": self.late_at.isoformat(),
            "due_at": self.due_at.isoformat(),
            "rejected": rel(self.rejected),
            "corrected": rel(self.corrected),
        }


def due(source: str, period: str) -> dt.datetime:
    return due_at(period, reference.sources()[source].due_day)


def times(story: Story, period: str, planned: dict[str, dt.datetime]) -> tuple[dict[str, dt.datetime], dt.datetime]:
    """The month's submission times with the story's: the late district two days after its due time,
    every other source on time (a week earlier than the schedule had it, if it had it late)."""
    out = {}
    for source, when in planned.items():
        if when > due(source, period):
            when -= dt.timedelta(days=7)
        out[source] = when
    deadline = due(story.late, period)
    now = story.now or dt.datetime.now(dt.UTC)
    late_at = deadline + dt.timedelta(days=1, hours=10, minutes=12, seconds=1)
    late_at = max(deadline + dt.timedelta(minutes=2), min(late_at, now - dt.timedelta(minutes=10)))
    out[story.late] = late_at.astimezone(planned[story.late].tzinfo)
    return out, deadline


def corrected_path(path: Path) -> Path:
    return path.with_name(f"{path.stem}{CORRECTED}{path.suffix}")


def corrected_time(submitted: dt.datetime) -> dt.datetime:
    """The corrected file leaves the clerk's mailbox the next morning."""
    return submitted + dt.timedelta(hours=20)


def deliver_later(later: Path, landing: Path) -> list[Path]:
    """Drop the files kept aside into the landing zone, as they would have arrived; their modification times
    (their received times) are kept."""
    import shutil

    moved = []
    for path in sorted(p for p in later.rglob("*") if p.is_file()):
        target = landing / path.relative_to(later)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(path, target)
        moved.append(target)
    return moved
