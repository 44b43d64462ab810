-- Rendered from expectations/contracts by `resettle staging`; edit the contract, not this file.
with

source as (select * from {{ source('tax', 'tax_status') }}),

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
        source.uscc,
        source.company_name,
        source.tax_period,
        source.tax_arrears,
        source.abnormal_status,
        source.last_filing_date
    from source
    where source.submission_id in (select current_submissions.submission_id from current_submissions)
)

select * from renamed
