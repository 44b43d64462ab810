-- Rendered from expectations/contracts by `resettle staging`; edit the contract, not this file.
with

source as (select * from {{ source('police', 'police_cases') }}),

renamed as (
    select
        source.submission_id,
        source.source_row,
        source.period,
        source.source as submitted_by,
        source.case_no,
        source.company_uscc,
        source.company_name,
        source.charge,
        source.filed_date,
        source.status,
        source.frozen_funds
    from source
    where {{ in_force('source.submission_id') }}
)

select * from renamed
