-- Rendered from expectations/contracts by `resettle staging`; edit the contract, not this file.
with

source as (select * from {{ source('district', 'project_ledger') }}),

renamed as (
    select
        source.submission_id,
        source.source_row,
        source.period,
        source.source as submitted_by,
        source.project_code,
        source.project_name,
        source.district,
        source.developer_name,
        source.developer_uscc,
        source.project_nature,
        source.disposal_category,
        source.contracted_return_date,
        source.overdue_reason,
        source.households_total,
        source.households_unresettled,
        source.resettlement_area_m2,
        source.lead_unit,
        source.remarks
    from source
    where {{ in_force('source.submission_id') }}
)

select * from renamed
