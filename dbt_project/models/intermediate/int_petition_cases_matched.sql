{{
    config(
        schema='intermediate',
        materialized='incremental',
        indexes=[{'columns': ['period', 'built_at']}, {'columns': ['built_at']}],
    )
}}

{#- Each petition case of a month matched to a household of the same month's rosters: by the household code
    when the bureau gave one, else by the petitioner's ID pseudonym against the household heads' (both
    computed by the loader with the same key; the clear ID number of a petitioner is never stored). A case
    that matches no household, or names a project in no ledger of the month, says why. -#}

with

petitions as (
    select * from {{ ref('stg_petition__petition_cases') }}
    {{ only_periods_to_build() }}
),

rosters as (
    {#- The roster's codes and the loader's pseudonym, no personal column: read from the staging view, not
        through the masks, so the petitions are matched (and the household mart started) sooner. -#}
    select
        period,
        household_code,
        id_pseudonym as household_pseudonym,
        project_code,
        submitted_by
    from {{ ref('stg_district__household_rosters') }}
    {{ only_periods_to_build() }}
),

households as (
    {#- Only the households a petition names (by code, or by the head's pseudonym): the joins below then read
        a few thousand rows, not every month's whole roster three times over. -#}
    select rosters.*
    from rosters
    where
        (rosters.period, rosters.household_code) in (
            select
                petitions.period,
                petitions.household_code
            from petitions
            where petitions.household_code is not null
        )
        or (rosters.period, rosters.household_pseudonym) in (
            select
                petitions.period,
                petitions.id_pseudonym
            from petitions
            where petitions.household_code is null
        )
),

by_pseudonym as (
    {#- A head of two households (rare) is matched to the first code, never to both. -#}
    select distinct on (period, household_pseudonym)
        period,
        household_pseudonym,
        household_code
    from households
    where household_pseudonym is not null
    order by period asc, household_pseudonym asc, household_code asc
),

projects as (
    select
        period,
        project_code,
        district
    from {{ ref('int_projects_in_force') }}
    {{ only_periods_to_build() }}
),

levels as (select * from {{ ref('petition_levels') }}),

matched as (
    select
        petitions.*,
        coalesce(by_code.household_code, by_id.household_code) as matched_household_code,
        case
            when by_code.household_code is not null then 'household_code'
            when by_id.household_code is not null then 'id_pseudonym'
            else 'unmatched'
        end as match_method
    from petitions
    left join households as by_code
        on petitions.period = by_code.period and petitions.household_code = by_code.household_code
    left join by_pseudonym as by_id
        on
            petitions.household_code is null
            and petitions.period = by_id.period
            and petitions.id_pseudonym = by_id.household_pseudonym
),

final as (
    select
        matched.period,
        matched.case_no,
        matched.matched_household_code as household_code,
        households.household_pseudonym,
        matched.match_method,
        case
            when matched.match_method = 'unmatched' and matched.household_code is not null
                then '户编号不在本月居民台账中'
            when matched.match_method = 'unmatched' then '信访人身份证号与本月居民台账的户主均不一致'
            when projects.project_code is null then '项目编号不在本月项目台账中'
        end as unmatched_reason,
        matched.project_code,
        coalesce(projects.district, households.submitted_by) as district,
        matched.level,
        coalesce(levels.petition_rank, 0) as level_rank,
        matched.received_date,
        matched.form,
        matched.persons,
        matched.persons >= 5 as is_mass,
        matched.responsible_unit,
        matched.handler,
        matched.handler is not null as has_handler,
        matched.status,
        matched.status = '办理中' as is_open,
        matched.closed_date,
        to_char(matched.received_date, 'YYYY-MM') = matched.period as is_new_this_month,
        matched.status <> '办理中' and to_char(matched.closed_date, 'YYYY-MM') = matched.period
            as is_closed_this_month,
        matched.status = '办理中' and coalesce(levels.needs_named_handler, false) and matched.handler is null
            as lacks_handler,
        matched.submission_id,
        matched.source_row,
        {{ build_started_at() }} as built_at
    from matched
    left join households
        on matched.period = households.period and matched.matched_household_code = households.household_code
    left join projects
        on matched.period = projects.period and matched.project_code = projects.project_code
    left join levels on matched.level = levels.petition_level
)

select * from final
