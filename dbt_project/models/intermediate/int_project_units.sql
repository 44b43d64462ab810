{{
    config(
        schema='intermediate',
        materialized='incremental',
        unique_key='period',
    )
}}

{#- A table, not a view: as a view, the joint review and the tests each joined every roster row again. -#}

with

units as (
    select * from {{ ref('stg_housing_center__housing_units') }}
    {{ only_periods_to_build() }}
),

rosters as (
    select * from {{ ref('stg_district__household_rosters') }}
    {{ only_periods_to_build() }}
),

final as (
    select
        rosters.period,
        rosters.project_code,
        count(units.unit_code) as units_allocated,
        count(units.unit_code) filter (where units.status = '已入住') as units_occupied,
        string_agg(distinct units.submission_id::text, ',') as units_submission_ids,
        now() as built_at
    from rosters
    left join units
        on
            rosters.period = units.period
            and rosters.household_code = units.household_code
    group by rosters.period, rosters.project_code
)

select * from final
