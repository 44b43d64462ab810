{{ config(schema='intermediate', materialized='view') }}

{#- The petitions of each matched household in a month: open cases, their highest level, the latest case,
    and whether an open province or Beijing case still has no named handler (未落实专人). -#}

with

cases as (
    select * from {{ ref('int_petition_cases_matched') }}
    where household_code is not null
),

final as (
    select
        period,
        household_code,
        count(*) filter (where is_open) as petitions_open,
        {{ petition_level_of_rank('max(level_rank) filter (where is_open)') }} as petition_level_open,
        max(received_date) as petition_latest_date,
        count(*) filter (where lacks_handler) as petitions_without_handler,
        bool_and(has_handler) filter (where is_open) as petition_handler_assigned,
        string_agg(submission_id::text, ',') as petition_submission_ids
    from cases
    group by period, household_code
)

select * from final
