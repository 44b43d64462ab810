-- Rendered from expectations/contracts by `resettle staging`; edit the contract, not this file.
with

source as (select * from {{ source('housing_bureau', 'construction_status') }}),

renamed as (
    select
        source.submission_id,
        source.source_row,
        source.period,
        source.source as submitted_by,
        source.project_code,
        source.developer_uscc,
        source.planning_permit_no,
        source.construction_permit_no,
        source.commitment_signed,
        source.commitment_date,
        source.funding_source,
        source.committed_start_date,
        source.committed_completion_date,
        source.progress_pct
    from source
    where {{ in_force('source.submission_id') }}
)

select * from renamed
