{{ config(schema='intermediate', materialized='view') }}

{#- Petition cases per project and month, whether or not the petitioner's household was matched: open
    cases by level, new and closed this month, persons, mass cases, province and Beijing cases with no
    named handler. -#}

with

cases as (select * from {{ ref('int_petition_cases_matched') }}),

final as (
    select
        period,
        project_code,
        count(*) filter (where is_open) as petitions_open,
        count(*) filter (where is_new_this_month) as petitions_new,
        count(*) filter (where is_closed_this_month) as petitions_closed,
        count(*) filter (where is_open and level = '区') as petitions_open_district,
        count(*) filter (where is_open and level = '市') as petitions_open_city,
        count(*) filter (where is_open and level = '省') as petitions_open_province,
        count(*) filter (where is_open and level = '进京') as petitions_open_beijing,
        coalesce(sum(persons) filter (where is_open), 0) as petition_persons,
        count(*) filter (where is_open and is_mass) as mass_petitions_open,
        count(*) filter (where lacks_handler) as petitions_without_handler,
        string_agg(distinct submission_id::text, ',') as petition_submission_ids
    from cases
    group by period, project_code
)

select * from final
