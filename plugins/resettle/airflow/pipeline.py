"""The pipeline's steps as plain functions: what each Airflow task calls, testable without Airflow.

Each step takes plain values (a period, a path, a warehouse URL) and is a transaction of its own, so any
task can be re-run for a period and leave the warehouse as it was.
"""

from __future__ import annotations

from resettle.domain.config import settings
from resettle.domain.contracts import WAVES, datasets_for, ingest_wave
from resettle.domain.vocabulary import accepted_statuses
from resettle.intake.discover import LandedFile, discover


def landed_by_wave(period: str | None = None) -> dict[str, list[dict]]:
    """Files in the landing zone for a period (all periods when None), as task-mappable dicts, by wave, listed
    at one moment.

    Rosters and monthly progress are checked against the district's project ledger of the month, so
    they form a second wave (`after_ledger`), ingested once every ledger has been decided; so do files
    whose name does not settle their dataset, and the department feeds checked against units and ledgers
    (certificates, petitions, repayments) and the office's records, which name projects of any district.
    Ledgers and the other department feeds are the first (`independent`). Both waves come from one listing:
    listed again after the first wave, a roster dropped with its ledger while the run was between waves would
    be checked against a ledger that run never read; dropped mid-run, both wait for the next run.
    """
    from resettle.intake.parse import detect_dataset  # pandas: not at DAG parse time

    waves: dict[str, list[dict]] = {wave: [] for wave in WAVES}
    for f in discover(settings().landing, period=period):
        # a refused entry is answered in the first wave; nothing of it is read
        wave = WAVES[0] if f.refused else ingest_wave(detect_dataset(f.file_name, candidates=datasets_for(f.source)))
        waves[wave].append(f.as_task())
    return waves


def find_files(period: str | None = None, wave: str | None = None) -> list[dict]:
    """The files of one wave (every wave when None) of `landed_by_wave`."""
    waves = landed_by_wave(period)
    return [f for each in WAVES if wave in (None, each) for f in waves[each]]


FILE_COST_BYTES = 4 << 20
"""What deciding a file costs beyond its bytes, in bytes: about what intake reads in the 0.2-0.3 s every file
takes whatever its size (its suite, its receipt, its result for the Data Docs)."""


def file_batches(files: list[dict], parts: int) -> list[list[dict]]:
    """The files in at most `parts` batches of about equal cost (bytes, plus `FILE_COST_BYTES` a file; the
    costliest first, each to the lightest batch), each batch in landing order: one task per batch instead of
    per file spares a task process, and its imports, per file, while the batches still fill every slot the
    wave may use at once."""
    import os

    def size(path: str) -> int:
        try:
            return os.lstat(path).st_size  # a link or a device is not followed: it is refused unread
        except OSError:
            return 0

    sizes = [size(file["path"]) for file in files]
    batches: list[list[int]] = [[] for _ in range(min(parts, len(files)))]
    loads = [0] * len(batches)
    for index in sorted(range(len(files)), key=lambda i: -sizes[i]):
        lightest = loads.index(min(loads))
        batches[lightest].append(index)
        loads[lightest] += sizes[index] + FILE_COST_BYTES
    return [[files[index] for index in sorted(batch)] for batch in batches]


def prepare_warehouse(url: str) -> dict[str, int]:
    """Create the platform's schemas and tables if missing, and clean what a crashed run left behind."""
    import psycopg

    from resettle.intake.locks import clean_leftovers
    from resettle.warehouse.schema import bootstrap

    with psycopg.connect(url) as conn:
        bootstrap(conn)
        return clean_leftovers(conn, settings().archive)


def ingest_file(file: dict, url: str) -> dict:
    """Archive, register, validate and publish (or reject) one landed file.

    A file that failed on our side (status `failed`) is reported to the engineers here; the task itself
    succeeds, so one file never fails the wave of the others.
    """
    import psycopg

    from resettle.intake.process import process_file

    landed = LandedFile.from_task(file)
    with psycopg.connect(url) as conn:
        outcome = process_file(conn, landed)
    if outcome["status"] == "failed":
        from resettle.airflow.alert_tasks import file_failed

        try:
            file_failed(url, outcome)
        except Exception:
            import logging

            logging.getLogger(__name__).exception("could not send the file-failed alert")
    return outcome


def ingest_files(files: list[dict], url: str) -> list[dict]:
    """`ingest_file` for each file of a batch, in turn: each file is still decided on its own."""
    return [ingest_file(file, url) for file in files]


def ingest_month(period: str, url: str) -> list[dict]:
    """Every file of a month, wave after wave as the ingestion DAG runs them (ledgers and feeds first), each
    decided on its own: one ingestion run outside Airflow, for tools and tests."""
    waves = landed_by_wave(period)
    return [outcome for wave in WAVES for outcome in ingest_files(waves[wave], url)]


def files_label(files: list[dict]) -> str:
    """A batch as the Airflow grid names it: how many files, from which senders."""
    senders = ", ".join(dict.fromkeys(file["source"] for file in files))
    return f"{len(files)} file{'s' if len(files) != 1 else ''}: {senders}"[:200]


def failed_files(outcomes: list[dict]) -> list[str]:
    """Files that failed on our side in this run (`resettle run` then exits non-zero)."""
    return [f"{o['source']}/{o['period']}/{o['file_name']}" for o in outcomes if o.get("status") == "failed"]


DOCS_NICENESS = 10
"""How much less CPU the Data Docs rendering claims (`os.nice`) than the other tasks of its task process's
machine: it starts with the dbt build of the data just accepted, which is what leaders wait for and which
runs on one core; pages for engineers can take a second longer."""


def publish_data_docs() -> str | None:
    """Render the Data Docs pages of the results stored since the last run, and the index over every stored
    result (once per ingestion run). A task process of its own yields the CPU to the build beside it; a
    run of the DAGs in one process (`resettle run`) is left as it is."""
    import os

    from resettle.airflow.runtime import in_process
    from resettle.intake import docs

    if not in_process():
        os.nice(DOCS_NICENESS)

    index = docs.build_index()
    return str(index) if index else None


def summarize(outcomes: list[dict]) -> dict[str, int]:
    """Count files by status, for the task log and the CLI."""
    counts: dict[str, int] = {}
    for outcome in outcomes:
        counts[outcome["status"]] = counts.get(outcome["status"], 0) + 1
    return counts


def updated_datasets(outcomes: list[dict]) -> list[str]:
    """Datasets with newly accepted data in this run: the Assets to announce."""
    return sorted({o["dataset"] for o in outcomes if o.get("new") and o["status"] in accepted_statuses()})


def accepted_since(url: str, moment) -> list[str]:
    """Datasets with a file accepted since a moment: what an ingestion run announced as updated."""
    import psycopg

    with psycopg.connect(url) as conn:
        return [
            r[0]
            for r in conn.execute(
                """select distinct dataset from ops.submission
               where processed_at >= %s and status = any(%s) order by 1""",
                (moment, list(accepted_statuses())),
            )
        ]


def last_build_nodes(url: str) -> str:
    """What the latest dbt build did, from dbt's own record of it: nodes built and tests run."""
    import psycopg

    with psycopg.connect(url) as conn:
        row = conn.execute("select nodes, failed from ops.dbt_invocation order by started_at desc limit 1").fetchone()
    return f"{row[0]} dbt nodes, {row[1]} failed" if row and row[0] is not None else "no dbt build recorded"


def build_marts(url: str, select: list[str] | None = None) -> dict:
    """Seed, build and test the dbt project as the pipeline's build does (its data tests, not dbt's unit
    tests, which test the SQL and not the month: `PIPELINE_EXCLUDE`); a failing model or test fails the step
    and is named."""
    import psycopg

    from resettle.airflow.runtime import PIPELINE_EXCLUDE
    from resettle.intake.locks import publish_lock
    from resettle.warehouse.dbt_runner import run_dbt

    with psycopg.connect(url) as conn, publish_lock(conn):
        args = ["build", *(["--select", *select] if select else []), "--exclude", PIPELINE_EXCLUDE]
        outcome = run_dbt(args, url)
    if not outcome.success:
        raise RuntimeError("dbt build failed:\n" + "\n".join(outcome.failures))
    return outcome.counts


def mart_row_counts(url: str) -> dict[str, int]:
    """Rows per table in the `marts` schema: what `make demo` reports as built."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(url) as conn:
        tables = [
            r[0]
            for r in conn.execute(
                "select table_name from information_schema.tables where table_schema = 'marts' order by 1"
            )
        ]
        return {
            t: conn.execute(sql.SQL("select count(*) from marts.{}").format(sql.Identifier(t))).fetchone()[0]
            for t in tables
        }
