-- The allowed submission statuses and alert kinds are the `submission_statuses` and `alert_kinds` dbt seeds:
-- their check constraints are re-created from the seeds on every bootstrap (resettle.warehouse.schema), so a
-- new status or alert kind is one seed row, not a migration.
alter table ops.submission drop constraint if exists submission_status_check;
alter table ops.alert drop constraint if exists alert_kind_check;
