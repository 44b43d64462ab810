-- Rendered from expectations/contracts by `resettle staging`; edit the contract, not this file.
with

source as (select * from {{ source('office', 'review_decisions') }}),

renamed as (
    select
        source.submission_id,
        source.source_row,
        source.period,
        source.source as submitted_by,
        source.meeting_no,
        source.meeting_date,
        source.project_code,
        source.units,
        source.opinion,
        source.decision,
        source.category_after,
        source.recorder
    from source
    where {{ in_force('source.submission_id') }}
)

select * from renamed
