{{ config(schema='intermediate', materialized='view') }}

{#- Each household once, in the latest month it was reported: what the status snapshot records. A district
    that has not reported the newest month yet keeps its households' previous state rather than losing them. -#}

with

households as (select * from {{ ref('int_households_joined_to_projects') }}),

latest as (
    select distinct on (household_code) *
    from households
    order by household_code asc, period desc
),

final as (
    select
        household_code,
        period,
        household_pseudonym,
        project_code,
        district,
        household_type,
        is_resettled,
        resettled_date,
        resettlement_choice,
        agreement_type,
        unit_code,
        petition_level,
        submission_id,
        source_row
    from latest
)

select * from final
