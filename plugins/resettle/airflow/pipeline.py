"""The pipeline's steps as plain functions: what each Airflow task calls, testable without Airflow.

Each step takes plain values (a period, a path, a warehouse URL) and is a transaction of its own, so any
task can be re-run for a period and leave the warehouse as it was.
"""

from __future__ import annotations

from pathlib import Path

from resettle.domain.config import settings
from resettle.intake.discover import LandedFile, discover

WAVES = ("independent", "after_ledger")


def find_files(period: str | None = None, wave: str | None = None) -> list[dict]:
    """Files in the landing zone for a period (all periods when None), as task-mappable dicts.

    Rosters and monthly progress are checked against the district's project ledger of the month, so
    they form a second wave (`after_ledger`), ingested once every ledger has been decided; so do files
    whose name does not settle their dataset. Ledgers and department feeds are the first (`independent`).
    """
    from resettle.domain.contracts import datasets_for
    from resettle.intake.context import AFTER_LEDGERS
    from resettle.intake.parse import detect_dataset

    files = []
    for f in discover(settings().landing, period=period):
        dataset = detect_dataset(f.file_name, candidates=datasets_for(f.source))
        file_wave = WAVES[1] if dataset in AFTER_LEDGERS or dataset is None else WAVES[0]
        if wave in (None, file_wave):
            files.append({"source": f.source, "period": f.period, "path": str(f.path)})
    return files


def prepare_warehouse(url: str) -> None:
    """Create the platform's schemas and tables if missing."""
    import psycopg

    from resettle.warehouse.schema import bootstrap

    with psycopg.connect(url) as conn:
        bootstrap(conn)


def ingest_file(file: dict, url: str) -> dict:
    """Archive, register, validate and publish (or reject) one landed file."""
    import psycopg

    from resettle.intake.process import process_file

    landed = LandedFile(file["source"], file["period"], Path(file["path"]))
    with psycopg.connect(url) as conn:
        return process_file(conn, landed)


def summarize(outcomes: list[dict]) -> dict[str, int]:
    """Count files by status, for the task log and the CLI."""
    counts: dict[str, int] = {}
    for outcome in outcomes:
        counts[outcome["status"]] = counts.get(outcome["status"], 0) + 1
    return counts


def updated_datasets(outcomes: list[dict]) -> list[str]:
    """Datasets with newly accepted data in this run: the Assets to announce."""
    return sorted({o["dataset"] for o in outcomes
                   if o.get("new") and o["status"] in ("accepted", "accepted_with_warnings")})


def build_marts(url: str, select: list[str] | None = None) -> dict:
    """Seed, build and test the dbt project; a failing model or test fails the step and is named."""
    from resettle.warehouse.dbt_runner import run_dbt

    outcome = run_dbt(["build", *(["--select", *select] if select else [])], url)
    if not outcome.success:
        raise RuntimeError("dbt build failed:\n" + "\n".join(outcome.failures))
    return outcome.counts


def mart_row_counts(url: str) -> dict[str, int]:
    """Rows per table in the `marts` schema: what `make demo` reports as built."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(url) as conn:
        tables = [r[0] for r in conn.execute(
            "select table_name from information_schema.tables where table_schema = 'marts' order by 1")]
        return {
            t: conn.execute(sql.SQL("select count(*) from marts.{}").format(sql.Identifier(t))).fetchone()[0]
            for t in tables
        }
