"""The landing-zone trigger fires for new, settled files only, once, and survives a restart."""

from __future__ import annotations

import asyncio
import os
import time

from resettle.airflow.landing_trigger import LandingZoneTrigger, new_files


def _drop(landing, name: str, age: float = 60.0):
    path = landing / "xiangyang" / "2026-10" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"data" + name.encode())
    old = time.time() - age
    os.utime(path, (old, old))
    return path


def _watching_after_a_roster(tmp_path, poll_seconds: float) -> tuple:
    """A watched landing zone (its first scan recorded) where a roster has just landed, and its trigger."""
    landing, state = tmp_path / "landing", tmp_path / "state.json"
    landing.mkdir()
    new_files(landing, state, settle_seconds=0)
    _drop(landing, "roster.csv")
    trigger = LandingZoneTrigger(
        landing=str(landing), state_file=str(state), poll_seconds=poll_seconds, settle_seconds=0
    )
    return landing, trigger


def test_first_scan_records_without_firing_then_new_files_fire_once(tmp_path):
    landing, state = tmp_path / "landing", tmp_path / "state.json"
    _drop(landing, "old.csv")
    assert new_files(landing, state, settle_seconds=5) == []
    _drop(landing, "new.csv")
    assert new_files(landing, state, settle_seconds=5) == ["xiangyang/2026-10/new.csv"]
    assert new_files(landing, state, settle_seconds=5) == []


def test_a_file_still_being_written_waits_until_it_settles(tmp_path):
    landing, state = tmp_path / "landing", tmp_path / "state.json"
    landing.mkdir()
    new_files(landing, state, settle_seconds=5)
    _drop(landing, "copying.xlsx", age=0)
    assert new_files(landing, state, settle_seconds=5) == []
    assert new_files(landing, state, settle_seconds=5, now=time.time() + 10) == ["xiangyang/2026-10/copying.xlsx"]


def test_a_replaced_file_fires_again_and_lock_files_never_do(tmp_path):
    landing, state = tmp_path / "landing", tmp_path / "state.json"
    path = _drop(landing, "ledger.csv")
    new_files(landing, state, settle_seconds=0)
    path.write_bytes(b"corrected")
    os.utime(path, (time.time() - 30, time.time() - 30))
    _drop(landing, "~$ledger.xlsx")
    assert new_files(landing, state, settle_seconds=0) == ["xiangyang/2026-10/ledger.csv"]


def test_trigger_yields_an_event_listing_the_new_file(tmp_path):
    _, trigger = _watching_after_a_roster(tmp_path, poll_seconds=0.05)

    async def first_event():
        async for event in trigger.run():
            return event

    event = asyncio.run(asyncio.wait_for(first_event(), timeout=10))
    assert event.payload == {"files": ["xiangyang/2026-10/roster.csv"]}
    classpath, kwargs = trigger.serialize()
    assert classpath == "resettle.airflow.landing_trigger.LandingZoneTrigger"
    assert LandingZoneTrigger(**kwargs).serialize() == (classpath, kwargs)


def test_the_watcher_waits_as_long_as_the_intake_does(tmp_path, monkeypatch):
    """Announced before the intake's settle period is over, a file would be found unsettled, left waiting,
    and never announced again: it would wait for the hourly run."""
    from resettle.airflow.assets import landing_asset
    from resettle.domain import config

    monkeypatch.setenv("RESETTLE_LANDING", str(tmp_path / "landing"))
    for seconds in ("45", "0"):
        monkeypatch.setenv("RESETTLE_SETTLE_SECONDS", seconds)
        trigger = landing_asset().watchers[0].trigger
        assert trigger.settle_seconds == config.settings().settle_seconds == float(seconds)


def test_files_dropped_one_after_the_other_are_announced_together(tmp_path):
    """A month arrives folder by folder: announced at the first, a roster would be checked before the
    ledger (or the department's list) it is checked against had been read."""
    landing, trigger = _watching_after_a_roster(tmp_path, poll_seconds=0.5)

    async def first_event():
        events = trigger.run()
        waiting = asyncio.ensure_future(anext(events))
        await asyncio.sleep(0.2)  # the first scan has seen the roster alone
        _drop(landing, "ledger.csv")
        return await waiting

    event = asyncio.run(asyncio.wait_for(first_event(), timeout=10))
    assert event.payload == {"files": ["xiangyang/2026-10/ledger.csv", "xiangyang/2026-10/roster.csv"]}
