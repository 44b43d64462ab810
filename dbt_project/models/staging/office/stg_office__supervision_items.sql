-- Rendered from expectations/contracts by `resettle staging`; edit the contract, not this file.
with

source as (select * from {{ source('office', 'supervision_items') }}),

renamed as (
    select
        source.submission_id,
        source.source_row,
        source.period,
        source.source as submitted_by,
        source.item_no,
        source.project_code,
        source.district,
        source.task,
        source.responsible_unit,
        source.assigned_date,
        source.due_date,
        source.progress_note,
        source.done_date,
        source.status
    from source
    where {{ in_force('source.submission_id') }}
)

select * from renamed
