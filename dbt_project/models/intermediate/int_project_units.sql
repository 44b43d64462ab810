{{ config(schema='intermediate', materialized='view') }}

with

units as (select * from {{ ref('stg_housing_center__housing_units') }}),

rosters as (select * from {{ ref('stg_district__household_rosters') }}),

final as (
    select
        rosters.period,
        rosters.project_code,
        count(units.unit_code) as units_allocated,
        count(units.unit_code) filter (where units.status = '已入住') as units_occupied,
        string_agg(distinct units.submission_id::text, ',') as units_submission_ids
    from rosters
    left join units
        on
            rosters.period = units.period
            and rosters.household_code = units.household_code
    group by rosters.period, rosters.project_code
)

select * from final
