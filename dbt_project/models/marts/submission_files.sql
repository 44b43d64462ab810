{#- Every file ever registered, in words a clerk understands, with whether its rejection is still open. -#}
with

submissions as (select * from {{ ref('stg_ops__submissions') }}),

expected as (select * from {{ ref('int_expected_submissions') }}),

sources as (select * from {{ ref('sources') }}),

source_datasets as (select * from {{ ref('source_datasets') }}),

status_zh as (select * from {{ ref('submission_statuses') }}),

final as (
    select
        submissions.submission_id,
        submissions.source,
        sources.source_name_zh,
        case when sources.source_kind = 'district' then submissions.source end as district,
        submissions.dataset,
        source_datasets.dataset_title_zh,
        submissions.period,
        submissions.file_name,
        submissions.received_at,
        submissions.status,
        status_zh.status_zh,
        submissions.rows_total,
        submissions.errors,
        submissions.warnings,
        submissions.message_zh,
        submissions.received_at <= expected.due_at as on_time,
        submissions.status = 'rejected'
        and coalesce(expected.completed_at < submissions.received_at, true) as is_open_rejection
    from submissions
    inner join sources on submissions.source = sources.source
    left join source_datasets
        on submissions.source = source_datasets.source and submissions.dataset = source_datasets.dataset
    left join status_zh on submissions.status = status_zh.status
    left join expected
        on
            submissions.source = expected.source
            and submissions.dataset = expected.dataset
            and submissions.period = expected.period
)

select * from final
