-- Rendered from expectations/contracts by `resettle staging`; edit the contract, not this file.
with

source as (select * from {{ source('housing_bureau', 'construction_status') }}),

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
    where source.submission_id in (select current_submissions.submission_id from current_submissions)
)

select * from renamed
