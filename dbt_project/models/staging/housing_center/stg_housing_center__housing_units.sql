-- Rendered from expectations/contracts by `resettle staging`; edit the contract, not this file.
with

source as (select * from {{ source('housing_center', 'housing_units') }}),

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
    where {{ in_force('source.submission_id') }}
)

select * from renamed
