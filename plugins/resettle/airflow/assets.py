"""The Assets the DAGs publish and schedule on: one per raw dataset table."""

from __future__ import annotations

from functools import reduce

from airflow.sdk import Asset, AssetAlias, AssetWatcher

from resettle.domain.config import settings
from resettle.domain.contracts import DATASETS


def raw_asset(dataset: str) -> Asset:
    return Asset(name=f"raw.{dataset}", uri=f"resettle://raw/{dataset}", group="raw")


RAW_ASSETS = [raw_asset(dataset) for dataset in DATASETS]
ANY_RAW = reduce(lambda a, b: a | b, RAW_ASSETS)
RAW_UPDATES = AssetAlias("raw-updates")
"""The ingestion DAG announces, through this alias, only the datasets that received new accepted data."""


def landing_asset() -> Asset:
    """The landing zone as an Asset, watched by the triggerer so that a dropped file starts ingestion."""
    from resettle.airflow.landing_trigger import LandingZoneTrigger

    s = settings()
    # Announced once still for as long as the intake requires (RESETTLE_SETTLE_SECONDS): announced sooner,
    # a file would be found unsettled, left waiting, and not announced again.
    trigger = LandingZoneTrigger(
        landing=str(s.landing), state_file=str(s.landing_watch_state), settle_seconds=s.settle_seconds
    )
    return Asset(
        name="landing",
        uri="resettle://landing",
        group="landing",
        watchers=[AssetWatcher(name="landing_zone_watcher", trigger=trigger)],
    )
