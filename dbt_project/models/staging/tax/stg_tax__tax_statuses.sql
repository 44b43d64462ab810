-- Rendered from expectations/contracts by `resettle staging`; edit the contract, not this file.
with

source as (select * from {{ source('tax', 'tax_status') }}),

renamed as (
    select
        source.submission_id,
        source.source_row,
        source.period,
        source.source as submitted_by,
        source.uscc,
        source.company_name,
        source.tax_period,
        source.tax_arrears,
        source.abnormal_status,
        source.last_filing_date
    from source
    where {{ in_force('source.submission_id') }}
)

select * from renamed
