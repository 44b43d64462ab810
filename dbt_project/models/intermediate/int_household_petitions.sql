{{ config(schema='intermediate', materialized='table') }}

{#- The petitions of each matched household in a month: open cases, their highest level, the latest case,
    and whether an open province or Beijing case still has no named handler (未落实专人).
    A table (a few tens of thousands of rows, rebuilt whole in well under a second): its statistics tell the
    planner that each household has one row here, so `household_resettlement` hashes this and streams the
    households past it. Over the view's grouped output it estimated so few distinct households that it
    sorted every household-month to a merge join instead (external sort, 3x the model's time). -#}

with

cases as (
    select * from {{ ref('int_petition_cases_matched') }}
    where household_code is not null
),

levels as (
    select * from {{ ref('petition_levels') }}
    where petition_rank > 0
),

per_household as (
    select
        period,
        household_code,
        count(*) filter (where is_open) as petitions_open,
        max(level_rank) filter (where is_open) as open_level_rank,
        max(received_date) as petition_latest_date,
        count(*) filter (where lacks_handler) as petitions_without_handler,
        bool_and(has_handler) filter (where is_open) as petition_handler_assigned,
        string_agg(submission_id::text, ',') as petition_submission_ids
    from cases
    group by period, household_code
),

final as (
    select
        per_household.period,
        per_household.household_code,
        per_household.petitions_open,
        levels.petition_level as petition_level_open,
        per_household.petition_latest_date,
        per_household.petitions_without_handler,
        per_household.petition_handler_assigned,
        per_household.petition_submission_ids
    from per_household
    left join levels on per_household.open_level_rank = levels.petition_rank
)

select * from final
