-- Rendered from expectations/contracts by `resettle staging`; edit the contract, not this file.
with

source as (select * from {{ source('housing_center', 'housing_units') }}),

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
        source.unit_code,
        source.district,
        source.unit_type,
        source.address,
        source.area_m2,
        source.status,
        source.household_code
    from source
    where source.submission_id in (select current_submissions.submission_id from current_submissions)
)

select * from renamed
