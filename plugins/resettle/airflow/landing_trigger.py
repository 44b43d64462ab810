"""Event-driven ingestion: a trigger that fires when new files land, for an Airflow AssetWatcher.

The triggerer runs it; it scans the landing zone every few seconds (in a thread, off the event loop) and
fires once a new or changed file has been still for `settle_seconds`, so a file still being copied is
not taken half-written, and once a scan finds nothing more than the one before, so files dropped together
(a month's folders, one after the other) are ingested in one run, ledgers before the rosters checked
against them. What it has announced is kept in a small state file, so a restarted triggerer
does not fire again for old files. It only announces: ingestion itself decides, per file, what is new;
the hourly schedule stays as the safety net for anything missed while the triggerer was down.
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

from airflow.triggers.base import BaseEventTrigger, TriggerEvent

from resettle.intake.discover import discover


def snapshot(landing: Path) -> dict[str, list[float]]:
    """Every landed file with its size and modification time."""
    out = {}
    for landed in discover(landing):
        try:
            st = landed.path.lstat()  # a link is reported as itself, never followed
        except FileNotFoundError:
            continue
        out[str(landed.path.relative_to(landing))] = [st.st_size, st.st_mtime]
    return out


def _load(path: Path) -> dict[str, list[float]] | None:
    try:
        return json.loads(path.read_text())
    except (FileNotFoundError, ValueError):
        return None


def _save(path: Path, state: dict[str, list[float]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(state, sort_keys=True))
    tmp.replace(path)


def new_files(
    landing: Path, state_file: Path, settle_seconds: float, now: float | None = None, record: bool = True
) -> list[str]:
    """Files that appeared or changed since the last announcement and have been still long enough; with
    `record`, they count as announced from now on.

    The first call only records what is there (the schedule takes care of files that predate the watcher).
    """
    current = snapshot(landing)
    seen = _load(state_file)
    if seen is None:
        _save(state_file, current)
        return []
    now = time.time() if now is None else now
    fresh = [p for p, sig in current.items() if seen.get(p) != sig and now - sig[1] >= settle_seconds]
    if fresh and record:
        seen.update({p: current[p] for p in fresh})
        _save(state_file, seen)
    return sorted(fresh)


POLL_SECONDS = 0.5
"""How often the landing zone is scanned: a listing of a few hundred files, a few milliseconds. Files are
announced after two scans that find the same (below), so this is half of a drop's wait before ingestion."""


class LandingZoneTrigger(BaseEventTrigger):
    """Fires a TriggerEvent listing newly landed files."""

    def __init__(self, landing: str, state_file: str, settle_seconds: float, poll_seconds: float = POLL_SECONDS):
        super().__init__()
        self.landing = landing
        self.state_file = state_file
        self.poll_seconds = poll_seconds
        self.settle_seconds = settle_seconds

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {
                "landing": self.landing,
                "state_file": self.state_file,
                "poll_seconds": self.poll_seconds,
                "settle_seconds": self.settle_seconds,
            },
        )

    async def run(self):
        landing, state_file = Path(self.landing), Path(self.state_file)
        heard: list[str] = []
        while True:
            fresh = await asyncio.to_thread(new_files, landing, state_file, self.settle_seconds, record=False)
            if fresh and fresh == heard:  # nothing more arrived since the last scan: the files came together
                fresh = await asyncio.to_thread(new_files, landing, state_file, self.settle_seconds)
                if fresh:
                    yield TriggerEvent({"files": fresh})
                    return
            heard = fresh
            await asyncio.sleep(self.poll_seconds)
