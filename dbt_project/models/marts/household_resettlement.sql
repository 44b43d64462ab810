{{
    config(
        materialized='incremental',
        unique_key='period',
        incremental_strategy='delete+insert',
        on_schema_change='append_new_columns',
        indexes=[{'columns': ['period']}, {'columns': ['built_at']}],
    )
}}

with

households as (
    select * from {{ ref('int_households_joined_to_projects') }}
    {{ only_periods_to_build() }}
),

checks as (
    select * from {{ ref('int_household_checks') }}
    {{ only_periods_to_build() }}
),

final as (
    select
        households.*,
        checks.outcome_zh,
        checks.is_resettled_before_due,
        checks.is_unit_not_occupied,
        checks.is_onsite_not_allowed,
        now() as built_at
    from households
    left join checks using (period, household_code)
)

select * from final
