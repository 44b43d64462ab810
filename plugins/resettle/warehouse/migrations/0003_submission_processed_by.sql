-- Which host processed a file: with several Celery workers, where to look for a task's log.
alter table ops.submission add column if not exists processed_by text;
comment on column ops.submission.processed_by is
    'Host (Airflow worker) that validated and published or rejected the file.';
