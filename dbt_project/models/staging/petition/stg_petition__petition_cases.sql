-- Rendered from expectations/contracts by `resettle staging`; edit the contract, not this file.
with

source as (select * from {{ source('petition', 'petition_cases') }}),

renamed as (
    select
        source.submission_id,
        source.source_row,
        source.period,
        source.source as submitted_by,
        source.case_no,
        source.household_code,
        source.project_code,
        source.level,
        source.received_date,
        source.form,
        source.persons,
        source.demand,
        source.responsible_unit,
        source.handler,
        source.status,
        source.closed_date,
        source.id_pseudonym
    from source
    where {{ in_force('source.submission_id') }}
)

select * from renamed
