{{ config(schema='intermediate', materialized='view') }}
{#- The SQL twin of resettle.timeliness.expected.expected_submissions, as of the time the model is queried:
    every source's required datasets for every period from the first submitted month to the current one. -#}

with

sources as (select * from {{ ref('sources') }}),

source_datasets as (select * from {{ ref('source_datasets') }}),

submissions as (select * from {{ ref('stg_ops__submissions') }}),

statuses as (select * from {{ ref('submission_statuses') }}),

extensions as (select * from {{ ref('stg_ops__due_extensions') }}),

as_of as (
    select now() as as_of
),

bounds as (
    select
        to_date(min(period), 'YYYY-MM') as first_month,
        greatest(to_date(max(period), 'YYYY-MM'), date_trunc('month', now() at time zone 'Asia/Shanghai')::date)
            as last_month
    from submissions
),

periods as (
    select to_char(month_start, 'YYYY-MM') as period
    from bounds
    cross join lateral generate_series(first_month, last_month, interval '1 month') as month_start
),

expected as (
    select
        source_datasets.source,
        source_datasets.dataset,
        periods.period,
        sources.source_name_zh,
        sources.source_kind,
        extensions.source is not null as is_extended,
        extensions.granted_by as extension_granted_by,
        extensions.reason as extension_reason,
        coalesce(
            extensions.due_at,
            (periods.period || '-' || lpad(sources.due_day::text, 2, '0') || ' 23:59:59+08')::timestamptz
        ) as due_at
    from source_datasets
    inner join sources on source_datasets.source = sources.source
    cross join periods
    left join extensions
        on source_datasets.source = extensions.source and periods.period = extensions.period
),

files as (
    select
        submissions.source,
        submissions.dataset,
        submissions.period,
        count(*) as files_received,
        min(submissions.received_at) filter (where statuses.is_complete) as completed_at,
        count(*) filter (where submissions.status = 'received') as files_processing
    from submissions
    inner join statuses on submissions.status = statuses.status
    cross join as_of
    where
        submissions.dataset is not null
        and submissions.status != 'duplicate'
        and submissions.received_at <= as_of.as_of
    group by submissions.source, submissions.dataset, submissions.period
),

final as (
    select
        expected.*,
        files.completed_at,
        coalesce(files.files_received, 0) as files_received,
        as_of.as_of > expected.due_at as is_due,
        case
            when files.completed_at is not null then 'complete'
            when files.source is null then 'missing'
            when files.files_processing > 0 then 'processing'
            else 'rejected'
        end as state,
        files.completed_at <= expected.due_at as is_on_time,
        greatest(
            0,
            ceil(extract(epoch from coalesce(files.completed_at, as_of.as_of) - expected.due_at) / 86400)
        )::integer as days_late
    from expected
    cross join as_of
    left join files
        on
            expected.source = files.source
            and expected.dataset = files.dataset
            and expected.period = files.period
)

select * from final
