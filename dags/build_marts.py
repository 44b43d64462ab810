"""Build the warehouse models (staging, intermediate, marts) with dbt after new data reaches `raw`.

Scheduled on the `raw.*` Assets that `ingest_submissions` publishes. `plan_dbt_build` selects what the
Assets of this run touch (the models downstream of the raw tables that received data, the register's
reporting marts, the seeds; everything on a manual run; never dbt's unit tests, which the test suite runs);
Cosmos (watcher mode) runs that selection as one `dbt build` with dbt threads in `dbt.dbt_producer_watcher`,
and renders every dbt model and snapshot from the pre-built manifest (`make manifest`, read through its
cut for Airflow) as a task that follows its node in the build. Under the scheduler those tasks start and
end in the triggerer, each within seconds of the build reporting its node and all of them when the build
ends (`resettle.airflow.model_watch`); they keep dbt's lineage in the graph but do not wait for each other.
Tests run in that build: a failing test fails the build, and dbt skips everything downstream of the model
it tests (their tasks end skipped), so a mart built on bad data is never published.

Triage: a failed model's task log names it; a failing test is named in the producer's log, which has dbt's
whole output; reproduce it with `resettle dbt build --select <node>` against the embedded warehouse. A failed
task, or a run not finished two hours after it was queued, alerts the engineers (`resettle.airflow.callbacks`).
"""

from airflow.sdk import dag, get_current_context, task

from resettle.airflow.assets import ANY_RAW
from resettle.airflow.runtime import PLAN_TASK_ID, dag_settings, dbt_task_group, plan_dbt_build, warehouse_url


@dag(schedule=ANY_RAW, **dag_settings(__doc__, ["transform", "tier:1"], deadline_hours=2))
def build_marts():
    @task(task_id=PLAN_TASK_ID)
    def plan() -> str:
        return plan_dbt_build(get_current_context(), warehouse_url())

    plan() >> dbt_task_group()


build_marts()
