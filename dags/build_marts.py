"""Build the warehouse models (staging, intermediate, marts) with dbt after new data reaches `raw`.

Scheduled on the `raw.*` Assets that `ingest_submissions` publishes. Cosmos renders every dbt seed, model
and snapshot as a task from the pre-built manifest (`make manifest`), each followed by its tests: a
failing test fails its task and stops everything downstream, so a mart built on bad data is never
published.

Triage: the failed task's log names the failing model or test; reproduce it with
`resettle dbt build --select <node>` against the embedded warehouse. A failed task, or a run not finished
two hours after it was queued, alerts the engineers (`resettle.airflow.callbacks`).
"""

from airflow.sdk import dag

from resettle.airflow.assets import ANY_RAW
from resettle.airflow.callbacks import notify_failure, run_deadline
from resettle.airflow.runtime import DEFAULT_ARGS, dbt_task_group


@dag(
    schedule=ANY_RAW,
    catchup=False,
    max_active_runs=1,
    tags=["transform", "tier:1"],
    doc_md=__doc__,
    default_args={**DEFAULT_ARGS, "on_failure_callback": notify_failure},
    deadline=run_deadline(hours=2),
)
def build_marts():
    dbt_task_group()


build_marts()
