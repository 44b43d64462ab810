{{
    config(
        schema='intermediate',
        materialized='incremental',
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

per_file as (
    {#- Counted per roster file first, then per project: a `distinct` inside one aggregate would sort every
        household row of the months being built (a hash aggregate cannot do it). -#}
    select
        rosters.period,
        rosters.project_code,
        units.submission_id,
        count(units.unit_code) as units_allocated,
        count(units.unit_code) filter (where units.status = '已入住') as units_occupied
    from rosters
    left join units
        on
            rosters.period = units.period
            and rosters.household_code = units.household_code
    group by rosters.period, rosters.project_code, units.submission_id
),

final as (
    select
        period,
        project_code,
        sum(units_allocated)::bigint as units_allocated,
        sum(units_occupied)::bigint as units_occupied,
        string_agg(submission_id::text, ',' order by submission_id::text) as units_submission_ids,
        {{ build_started_at() }} as built_at
    from per_file
    group by period, project_code
)

select * from final
