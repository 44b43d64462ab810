-- Rendered from expectations/contracts by `resettle staging`; edit the contract, not this file.
with

source as (select * from {{ source('housing_center', 'repayment_agreements') }}),

renamed as (
    select
        source.submission_id,
        source.source_row,
        source.period,
        source.source as submitted_by,
        source.agreement_no,
        source.developer_uscc,
        source.developer_name,
        source.project_code,
        source.signed_date,
        source.amount_agreed,
        source.due_date,
        source.amount_repaid,
        source.last_repaid_date
    from source
    where {{ in_force('source.submission_id') }}
)

select * from renamed
