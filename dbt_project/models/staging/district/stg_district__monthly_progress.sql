-- Rendered from expectations/contracts by `resettle staging`; edit the contract, not this file.
with

source as (select * from {{ source('district', 'monthly_progress') }}),

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
    where {{ in_force('source.submission_id') }}
)

select * from renamed
