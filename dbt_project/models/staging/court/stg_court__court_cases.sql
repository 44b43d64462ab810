-- Rendered from expectations/contracts by `resettle staging`; edit the contract, not this file.
with

source as (select * from {{ source('court', 'court_cases') }}),

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
    where source.submission_id in (select current_submissions.submission_id from current_submissions)
)

select * from renamed
