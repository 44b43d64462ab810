-- Rendered from expectations/contracts by `resettle staging`; edit the contract, not this file.
with

source as (select * from {{ source('registration', 'property_certificates') }}),

renamed as (
    select
        source.submission_id,
        source.source_row,
        source.period,
        source.source as submitted_by,
        source.unit_code,
        source.household_code,
        source.project_code,
        source.certificate_status,
        source.applied_date,
        source.issued_date,
        source.certificate_no,
        source.blocker
    from source
    where {{ in_force('source.submission_id') }}
)

select * from renamed
