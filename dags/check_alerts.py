"""Send due alerts: deadline reminders, late and missing submissions, escalations, rejected files, overdue
supervised tasks and the review sheet's certificate, petition and repayment flags.

Runs hourly at a quarter past (Asia/Shanghai), after the hourly ingestion. One task evaluates every alert
condition as of now for the last reporting month due and the current one, sends what is due by email
(`smtp_default`) and webhook (`resettle_webhook`), logs each sending in `ops.alert` and resolves the
alerts whose condition cleared. Each alert goes out at most once per cadence, so re-running is safe.
Who receives each kind is the `alert_kinds` seed (each alerting flag: `consistency_flags`); the people are
in `plugins/resettle/alerts/contacts.yml` (or the file `RESETTLE_CONTACTS` names).

Triage: a channel that fails does not fail the task; look at `channel_results` in `ops.alert` (or
`resettle alerts list --open`) and the task log for the SMTP or webhook error, then check the connection.
A failed task is ours: a contacts file that does not validate (the log names the entry) or the warehouse
connection `resettle_warehouse`. Replay a moment with `resettle alerts check --as-of ... --dry-run`.
"""

from airflow.sdk import CronTriggerTimetable, dag, task

from resettle.airflow.runtime import dag_settings, warehouse_url


@dag(
    schedule=CronTriggerTimetable("15 * * * *", timezone="Asia/Shanghai"),
    **dag_settings(__doc__, ["alerts", "tier:2"]),
)
def check_alerts():
    @task
    def send_due_alerts() -> dict:
        from resettle.airflow.alert_tasks import run_check

        return run_check(warehouse_url())

    send_due_alerts()


check_alerts()
