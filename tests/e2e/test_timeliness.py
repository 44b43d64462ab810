"""`submission_timeliness` against a hand count of the generated months: which files landed when, which of
them were spoiled or withheld, and the due time (the 25th, or an extension) — counted here from the files
themselves, then compared with the mart and with the Python rules the alerts use."""

from __future__ import annotations

import datetime as dt
import os

import psycopg
import pytest

from resettle.airflow.pipeline import WAVES, build_marts, find_files, ingest_file, prepare_warehouse
from resettle.devtools.generator import generate
from resettle.domain.config import SOURCES
from resettle.domain.contracts import datasets_for
from resettle.domain.periods import SHANGHAI
from resettle.intake.discover import discover
from resettle.intake.parse import detect_dataset
from resettle.timeliness.expected import expected_submissions, grant_extension, source_summary

pytestmark = pytest.mark.integration
PERIODS = ("2026-06", "2026-07")


def _due(period: str) -> dt.datetime:
    return dt.datetime(int(period[:4]), int(period[5:]), 25, 23, 59, 59, tzinfo=SHANGHAI)


def _spoil(path) -> None:
    """Make a CSV unacceptable (its header row becomes nonsense) while keeping its landing time."""
    stamp = path.stat().st_mtime
    path.write_bytes("无关,表头\n1,2\n".encode("gb18030"))
    os.utime(path, (stamp, stamp))


def test_timeliness_matches_a_hand_count(resettle_env, warehouse_url, monkeypatch):
    monkeypatch.setenv("RESETTLE_WAREHOUSE_URL", warehouse_url)
    landing = resettle_env["landing"]
    generate(landing, PERIODS[0], months=len(PERIODS), households=300, seed=5)
    files = {
        (f.source, f.period, detect_dataset(f.file_name, candidates=datasets_for(f.source))): f
        for f in discover(landing)
    }
    assert all(key[2] for key in files), "every generated file names its dataset"

    withheld = ("nanshan", PERIODS[1], "monthly_progress")
    files.pop(withheld).path.unlink()
    spoiled = ("gongnong", PERIODS[1], "monthly_progress")
    if files[spoiled].path.suffix != ".csv":
        pytest.skip("the generator's gongnong progress file is not a CSV for this seed")
    _spoil(files[spoiled].path)
    late_first = [
        key
        for key, f in files.items()
        if key[1] == PERIODS[0] and dt.datetime.fromtimestamp(f.path.stat().st_mtime, dt.UTC) > _due(key[1])
    ]
    extended_source = late_first[0][0] if late_first else "court"
    extended_until = _due(PERIODS[0]) + dt.timedelta(days=10)

    prepare_warehouse(warehouse_url)
    with psycopg.connect(warehouse_url) as conn:
        grant_extension(conn, extended_source, PERIODS[0], extended_until, "市领导小组办公室", "系统故障，延期报送")
    for period in PERIODS:
        for wave in WAVES:
            for file in find_files(period, wave):
                ingest_file(file, warehouse_url)
    build_marts(warehouse_url)

    hand: dict[tuple[str, str], dict] = {}
    for source in SOURCES:
        for period in PERIODS:
            due = extended_until if (source, period) == (extended_source, PERIODS[0]) else _due(period)
            row = {"expected": 0, "received": 0, "accepted": 0, "rejected": 0, "on_time": 0, "late": 0, "missing": 0}
            for dataset in datasets_for(source):
                row["expected"] += 1
                f = files.get((source, period, dataset))
                if f is None:
                    row["missing"] += 1
                    continue
                row["received"] += 1
                if (source, period, dataset) == spoiled:
                    row["rejected"] += 1
                    continue
                row["accepted"] += 1
                on_time = dt.datetime.fromtimestamp(f.path.stat().st_mtime, dt.UTC) <= due
                row["on_time" if on_time else "late"] += 1
            hand[(source, period)] = row

    keys = ("expected", "received", "accepted", "rejected", "on_time", "late", "missing")
    with psycopg.connect(warehouse_url) as conn:
        mart = {
            (r[0], r[1]): dict(zip(keys, r[2:9], strict=True))
            | {"reporting_rate": float(r[9]), "on_time_rate": float(r[10]), "extended_by": r[11]}
            for r in conn.execute(
                f"""select source, period, {", ".join(keys)}, reporting_rate, on_time_rate, extension_granted_by
                        from marts.submission_timeliness where period = any(%s)""",
                (list(PERIODS),),
            ).fetchall()
        }
        python = {
            (r["source"], r["period"]): r
            for period in PERIODS
            for r in source_summary(expected_submissions(conn, period))
        }

    assert set(mart) == set(hand)
    for key, row in hand.items():
        assert {k: mart[key][k] for k in keys} == row, key
        assert {k: python[key][k] for k in keys} == row, key
        assert mart[key]["reporting_rate"] == round(100 * row["accepted"] / row["expected"], 1)
        assert mart[key]["on_time_rate"] == round(100 * row["on_time"] / row["expected"], 1)
    assert mart[(extended_source, PERIODS[0])]["extended_by"] == "市领导小组办公室"
    assert mart[withheld[:2]]["missing"] == 1
    assert mart[spoiled[:2]]["rejected"] == 1
    assert sum(r["late"] for r in hand.values()) > 0, "the generated months include late files"

    with psycopg.connect(warehouse_url) as conn:
        matrix = conn.execute(
            """select count(distinct district), count(distinct period) from marts.submission_timeliness
               where source_kind = 'district' and period = any(%s)""",
            (list(PERIODS),),
        ).fetchone()
        open_rejections = conn.execute(
            "select source, period, dataset from marts.submission_files where is_open_rejection"
        ).fetchall()
    assert matrix == (6, len(PERIODS))
    assert open_rejections == [spoiled]
