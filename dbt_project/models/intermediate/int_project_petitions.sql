{{ config(schema='intermediate', materialized='view') }}

{#- Petition cases per project and month, whether or not the petitioner's household was matched: open
    cases by level, new and closed this month, persons, mass cases, province and Beijing cases with no
    named handler. -#}

with

cases as (select * from {{ ref('int_petition_cases_matched') }}),

levels as (select * from {{ ref('petition_levels') }}),

final as (
    select
        cases.period,
        cases.project_code,
        count(*) filter (where cases.is_open) as petitions_open,
        count(*) filter (where cases.is_new_this_month) as petitions_new,
        count(*) filter (where cases.is_closed_this_month) as petitions_closed,
        count(*) filter (where cases.is_open and levels.level_key = 'district') as petitions_open_district,
        count(*) filter (where cases.is_open and levels.level_key = 'city') as petitions_open_city,
        count(*) filter (where cases.is_open and levels.level_key = 'province') as petitions_open_province,
        count(*) filter (where cases.is_open and levels.level_key = 'beijing') as petitions_open_beijing,
        coalesce(sum(cases.persons) filter (where cases.is_open), 0) as petition_persons,
        count(*) filter (where cases.is_open and cases.is_mass) as mass_petitions_open,
        count(*) filter (where cases.lacks_handler) as petitions_without_handler,
        string_agg(distinct cases.submission_id::text, ',') as petition_submission_ids
    from cases
    left join levels on cases.level = levels.petition_level
    group by cases.period, cases.project_code
)

select * from final
