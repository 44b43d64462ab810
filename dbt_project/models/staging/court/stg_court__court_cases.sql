-- Rendered from expectations/contracts by `resettle staging`; edit the contract, not this file.
with

source as (select * from {{ source('court', 'court_cases') }}),

renamed as (
    select
        source.submission_id,
        source.source_row,
        source.period,
        source.source as submitted_by,
        source.case_no,
        source.case_type,
        source.defendant_uscc,
        source.defendant_name,
        source.project_code,
        source.filed_date,
        source.status,
        source.claim_amount,
        source.seized_asset_value,
        source.auction_date,
        source.auction_proceeds
    from source
    where {{ in_force('source.submission_id') }}
)

select * from renamed
