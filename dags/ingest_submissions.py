"""Ingest district and department files from the landing zone.

Runs hourly as a safety net and on demand for one reporting month (`period` param, e.g. `2026-10`; empty
means every month in the landing zone). Each file is archived by its hash, registered, validated against
its dataset's suite and either published to `raw` or rejected, on its own, so one bad district never
blocks the others. Files already decided are skipped, so re-running changes nothing.

Triage: a failed `ingest_file` task is ours (a rejected file is a *successful* task with status
`rejected` in `ops.submission`); check the warehouse connection `resettle_warehouse` first, then the
task log. The outlets tell `build_marts` that new data may be in `raw`.
"""

from airflow.sdk import Param, dag, get_current_context, task

from resettle import pipeline
from resettle.assets import RAW_ASSETS
from resettle.orchestration import DEFAULT_ARGS, warehouse_url


@dag(
    schedule="@hourly",
    catchup=False,
    max_active_runs=1,
    tags=["intake", "tier:1"],
    doc_md=__doc__,
    default_args=DEFAULT_ARGS,
    params={"period": Param(None, type=["null", "string"], description="Reporting month YYYY-MM; empty: all")},
)
def ingest_submissions():
    @task
    def prepare_warehouse() -> None:
        pipeline.prepare_warehouse(warehouse_url())

    @task
    def find_files() -> list[dict]:
        return pipeline.find_files(get_current_context()["params"].get("period"))

    @task(max_active_tis_per_dag=2)
    def ingest_file(file: dict) -> dict:
        return pipeline.ingest_file(file, warehouse_url())

    @task(outlets=RAW_ASSETS)
    def report(outcomes: list[dict]) -> dict[str, int]:
        return pipeline.summarize(outcomes[:])

    files = find_files()
    prepare_warehouse() >> files
    report(ingest_file.expand(file=files))


ingest_submissions()
