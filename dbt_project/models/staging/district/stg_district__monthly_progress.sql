-- Rendered from expectations/contracts by `resettle staging`; edit the contract, not this file.
with

source as (select * from {{ source('district', 'monthly_progress') }}),

current_submissions as (
    select submission_id
    from {{ ref('stg_ops__submissions') }}
    where is_current
),

renamed as (
    select
        source.submission_id,
        source.source_row,
        source.period,
        source.source as submitted_by,
        source.project_code,
        source.resettled_this_month,
        source.resettled_cumulative,
        source.progress_note,
        source.issues_note,
        source.next_steps
    from source
    where source.submission_id in (select current_submissions.submission_id from current_submissions)
)

select * from renamed
