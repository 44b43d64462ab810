"""The Assets the DAGs publish and schedule on: one per raw dataset table."""

from __future__ import annotations

from functools import reduce

from airflow.sdk import Asset

from resettle.contracts import DATASETS

RAW_ASSETS = [Asset(name=f"raw.{dataset}", uri=f"resettle://raw/{dataset}", group="raw") for dataset in DATASETS]
ANY_RAW = reduce(lambda a, b: a | b, RAW_ASSETS)
