{{
    config(
        schema='intermediate',
        materialized='incremental',
        unique_key='period',
        indexes=[{'columns': ['period', 'built_at']}, {'columns': ['built_at']}],
    )
}}

{#- Per household and month, what the districts' rosters say checked against the policy and the other
    offices: a choice the category does not offer (on-site under categories 1 and 4), resettled per the
    district while the service center's unit is not occupied, resettled before the contracted return
    date (never overdue: counted apart), and the household's outcome, where a refund (退还费用) is an
    outcome of its own (退款处置), not a household waiting for a flat. -#}

with

rosters as (
    select * from {{ ref('stg_district__household_rosters') }}
    {{ only_periods_to_build() }}
),

projects as (
    select * from {{ ref('int_projects_in_force') }}
    {{ only_periods_to_build() }}
),

units as (
    select * from {{ ref('stg_housing_center__housing_units') }}
    {{ only_periods_to_build() }}
),

choices as (select * from {{ ref('resettlement_choices') }}),

categories as (select * from {{ ref('disposal_categories') }}),

joined as (
    select
        rosters.period,
        rosters.household_code,
        rosters.project_code,
        rosters.resettled,
        rosters.resettled_date,
        rosters.resettlement_choice,
        coalesce(choices.is_onsite, false) as is_onsite_choice,
        coalesce(choices.is_refund, false) as is_refund_choice,
        rosters.unit_code,
        projects.disposal_category,
        categories.offers_onsite,
        projects.contracted_return_date,
        units.status as unit_status
    from rosters
    left join projects using (period, project_code)
    left join units using (period, unit_code)
    left join choices using (resettlement_choice)
    left join categories using (disposal_category)
),

final as (
    select
        period,
        household_code,
        project_code,
        coalesce(
            not offers_onsite and is_onsite_choice, false
        ) as is_onsite_not_allowed,
        coalesce(resettled and unit_code is not null and unit_status is distinct from '已入住', false)
            as is_unit_not_occupied,
        coalesce(resettled and resettled_date < contracted_return_date, false) as is_resettled_before_due,
        case
            when resettled and resettled_date < contracted_return_date then '按期安置'
            when resettled then '逾期后安置'
            when is_refund_choice then '退款处置'
            else '未安置'
        end as outcome_zh,
        now() as built_at
    from joined
)

select * from final
