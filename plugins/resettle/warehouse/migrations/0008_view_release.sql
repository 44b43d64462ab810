-- Each view of the warehouse with the release of the dbt project that last created it (a digest of the
-- project's files, resettle.warehouse.dbt_runner.project_release), noted after each build: a monthly build
-- leaves a view of the current release as it is instead of creating it again (resettle.airflow.runtime).
create table if not exists ops.view_release (
    relation text primary key,
    release text not null,
    created_at timestamptz not null default now()
);
