{{ config(schema='intermediate', materialized='view') }}

{#- The households of each district's latest roster in force: what the status snapshot records. Taking
    each district's own latest month (rather than the newest month overall) means a district that has not
    reported the newest month yet keeps its households' previous state. The latest rosters are found in the
    small submission register, and their households read from `household_resettlement`, which stores each
    month of `int_households_joined_to_projects` as it is built (so the snapshot records what the mart shows):
    a run reads each district's latest month of a table, not every month of the rosters again through the
    masking views. Nearly every district's latest roster is of the newest month: those households are read
    through the table's (period, household_code) index by the newest month alone, the few of a district
    behind it by their own month (a join on each roster's month and id made PostgreSQL scan every month of
    the table, a second of each build's snapshot). `households` is read by both and declared not
    materialized: PostgreSQL would otherwise store the whole table once before either reads it. -#}

with

households as not materialized (select * from {{ ref('household_resettlement') }}),

submissions as (select * from {{ ref('stg_ops__submissions') }}),

latest_rosters as (
    select distinct on (source)
        submission_id,
        period
    from submissions
    where dataset = 'household_roster' and is_current
    order by source asc, period desc
),

newest as (
    select max(period) as period
    from latest_rosters
),

latest as (
    select households.*
    from households
    where
        households.period = (select newest.period from newest)
        and households.submission_id in (select latest_rosters.submission_id from latest_rosters)
    union all
    select households.*
    from households
    inner join latest_rosters
        on
            households.period = latest_rosters.period
            and households.submission_id = latest_rosters.submission_id
    where latest_rosters.period < (select newest.period from newest)
),

final as (
    select
        household_code,
        period,
        household_pseudonym,
        project_code,
        district,
        household_type,
        is_resettled,
        resettled_date,
        resettlement_choice,
        agreement_type,
        unit_code,
        petition_level,
        submission_id,
        source_row
    from latest
)

select * from final
