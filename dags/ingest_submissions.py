"""Ingest district and department files from the landing zone.

Triggered when a file lands (the triggerer watches the landing zone), hourly as a safety net, and on demand
for one reporting month (`period` param, e.g. `2026-10`; empty means every month in the landing zone). Each
file is archived by its hash, registered, validated against its dataset's suite and either published to `raw`
or rejected, on its own, so one bad district never blocks the others. A file anywhere else under a source's
folder is placed in the month its name, folders or title give (the receipt says so) or answered with where to
put it, never skipped. Project ledgers and department feeds go first; rosters and monthly progress follow,
because they are checked against the district's ledger of the month; both waves are listed at the start of the
run, so files dropped while it works wait for the next run together. Files already decided are skipped, so
re-running changes nothing. Each wave's files are split into batches of about equal size, as many as may run
at once (RESETTLE_INGEST_SLOTS, 2), one `ingest_files` task each (its map index names the senders), because a
task process per file would cost more than most files; within a batch every file is still decided on its own,
in its own transactions.

Triage: a rejected, refused (a link, a device, a path outside the sender's folder) or waiting (still being
uploaded) file is a *successful* task. An error of ours while processing a file is a successful task too, with
the file `failed` in `ops.submission`, a `pipeline` alert to the engineers and a receipt telling the sender it
is not their fault; the next run retries it, so one broken file never holds up the other files or the second
wave. A failed `ingest_files` task means the warehouse itself was unreachable (check the connection
`resettle_warehouse` first, then the task log) or the task ran past its 60-minute timeout; its retry skips
the files it had already decided. Concurrent runs
take turns per source and month (advisory locks), so a manual run beside the scheduled one is safe. `report`
announces, per dataset, the `raw.*` Asset that received new accepted data, which is what `build_marts` is
scheduled on; a run with nothing new announces nothing. `send_invalid_file_alerts` tells each sender of a
rejected file, and of a file accepted with warnings, right away (see `check_alerts`); `publish_data_docs`
renders the validation Data Docs once per run (the pages of the files decided in it, and the index; each file
only stores its result as it is decided); a failed task or a run still going an hour after it was queued
alerts the engineers.
"""

import datetime as dt

from airflow.sdk import AssetOrTimeSchedule, CronTriggerTimetable, Param, dag, get_current_context, task

from resettle.airflow import pipeline
from resettle.airflow.assets import RAW_UPDATES, landing_asset
from resettle.airflow.runtime import announce_updates, dag_settings, warehouse_url
from resettle.domain.config import ingest_slots

INGEST_SLOTS = ingest_slots()
"""Ingestion tasks running at once in a wave (RESETTLE_INGEST_SLOTS); each takes one batch of the wave's
files, so a wave costs this many task processes, not one per file."""


@dag(
    schedule=AssetOrTimeSchedule(
        timetable=CronTriggerTimetable("0 * * * *", timezone="Asia/Shanghai"), assets=landing_asset()
    ),
    params={"period": Param(None, type=["null", "string"], description="Reporting month YYYY-MM; empty: all")},
    **dag_settings(__doc__, ["intake", "tier:1"], deadline_hours=1),
)
def ingest_submissions():
    @task
    def prepare_warehouse() -> None:
        pipeline.prepare_warehouse(warehouse_url())

    @task(trigger_rule="all_done")
    def list_landing() -> dict[str, list[dict]]:
        return pipeline.landed_by_wave(get_current_context()["params"].get("period"))

    @task(trigger_rule="all_done")
    def find_files(landed: dict[str, list[dict]], wave: str) -> list[list[dict]]:
        return pipeline.file_batches(landed[wave], INGEST_SLOTS)

    @task(
        max_active_tis_per_dag=INGEST_SLOTS,
        execution_timeout=dt.timedelta(minutes=60),
        map_index_template="{{ files_label }}",
    )
    def ingest_files(files: list[dict]) -> list[dict]:
        get_current_context()["files_label"] = pipeline.files_label(files)
        return pipeline.ingest_files(files, warehouse_url())

    @task(outlets=[RAW_UPDATES], trigger_rule="all_done")
    def report(independent: list[list[dict]], after_ledger: list[list[dict]]) -> dict:
        outcomes = [outcome for batch in (*independent[:], *after_ledger[:]) for outcome in batch]
        updated = announce_updates(get_current_context()["outlet_events"], outcomes)
        return {"files": pipeline.summarize(outcomes), "updated_datasets": updated}

    @task(trigger_rule="all_done")
    def send_invalid_file_alerts() -> dict:
        from resettle.airflow.alert_tasks import run_check

        return run_check(
            warehouse_url(), kinds={"invalid", "warned"}, period=get_current_context()["params"].get("period")
        )

    @task(trigger_rule="all_done")
    def publish_data_docs() -> str | None:
        return pipeline.publish_data_docs()

    landed = list_landing()
    prepare_warehouse() >> landed
    independent = find_files.override(task_id="find_independent_files")(landed, "independent")
    first = ingest_files.expand(files=independent)
    after_ledger = find_files.override(task_id="find_files_after_ledger")(landed, "after_ledger")
    first >> after_ledger
    second = ingest_files.override(task_id="ingest_files_after_ledger").expand(files=after_ledger)
    report(first, second) >> [send_invalid_file_alerts(), publish_data_docs()]


ingest_submissions()
