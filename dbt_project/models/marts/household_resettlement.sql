{{
    config(
        materialized='incremental',
        unique_key='period',
        indexes=[{'columns': ['period', 'built_at']}, {'columns': ['built_at']}],
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

feeds as (
    select * from {{ ref('int_household_feeds') }}
    {{ only_periods_to_build() }}
),

final as (
    select
        households.*,
        checks.outcome_zh,
        checks.is_resettled_before_due,
        checks.is_unit_not_occupied,
        checks.is_onsite_not_allowed,
        feeds.certificate_status,
        feeds.certificate_applied_date,
        feeds.certificate_issued_date,
        feeds.certificate_blocker,
        coalesce(feeds.petitions_open, 0) as petitions_open,
        feeds.petition_level_open,
        feeds.petition_latest_date,
        feeds.petition_handler_assigned,
        feeds.refund_due,
        feeds.refund_paid,
        feeds.refund_date,
        feeds.refund_status,
        coalesce(string_to_array(feeds.feed_flags, ','), '{}'::text[]) as flag_codes,
        now() as built_at
    from households
    left join feeds using (period, household_code)
    left join checks using (period, household_code)
)

select * from final
