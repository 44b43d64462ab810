-- Rendered from expectations/contracts by `resettle staging`; edit the contract, not this file.
with

source as (select * from {{ source('district', 'household_roster') }}),

renamed as (
    select
        source.submission_id,
        source.source_row,
        source.period,
        source.source as submitted_by,
        source.household_code,
        source.project_code,
        source.head_name,
        source.id_number,
        source.phone,
        source.household_type,
        source.contract_no,
        source.contract_date,
        source.contracted_area_m2,
        source.has_lawful_residence,
        source.resettlement_choice,
        source.agreement_type,
        source.agreement_date,
        source.resettled,
        source.resettled_date,
        source.unit_code,
        source.petition_level,
        source.refund_due,
        source.refund_paid,
        source.refund_date,
        source.id_pseudonym
    from source
    where {{ in_force('source.submission_id') }}
)

select * from renamed
