{{
    config(
        schema='intermediate',
        materialized='incremental',
    )
}}

{#- The household checks of `household_resettlement` counted per project and month. A table, not a view: the
    joint review reads it directly and through the route steps, and so does the route steps mart; as a view
    each of them counted every household of the months again. -#}

with

checks as (
    select * from {{ ref('household_resettlement') }}
    {{ only_periods_to_build() }}
),

final as (
    select
        period,
        project_code,
        count(*) filter (where is_onsite_not_allowed) as households_onsite_not_allowed,
        count(*) filter (where is_unit_not_occupied) as households_unit_not_occupied,
        count(*) filter (where is_resettled_before_due) as households_resettled_before_due,
        count(*) filter (where outcome_zh = '退款处置') as households_refund_route,
        count(*) filter (where outcome_zh = '未安置') as households_awaiting,
        {{ build_started_at() }} as built_at
    from checks
    group by period, project_code
)

select * from final
