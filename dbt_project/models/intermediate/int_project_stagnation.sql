{{ config(schema='intermediate', materialized='view') }}

{#- How long a project has stood still: whole months from its latest progress to the end of the reporting
    month, where progress is a household resettled (the roster's 安置日期) or construction moving on (the
    housing bureau's 形象进度 higher than the month before). A project with neither since the policy took
    effect counts from the policy's date (`var('policy_date')`). -#}

with

projects as (select * from {{ ref('int_projects_in_force') }}),

rosters as (select * from {{ ref('stg_district__household_rosters') }}),

construction as (select * from {{ ref('stg_housing_bureau__construction_statuses') }}),

last_resettlement as (
    select
        rosters.period,
        rosters.project_code,
        max(rosters.resettled_date) as last_resettled_date
    from rosters
    where rosters.resettled and rosters.resettled_date <= {{ period_end('rosters.period') }}
    group by rosters.period, rosters.project_code
),

construction_steps as (
    select
        period,
        project_code,
        progress_pct,
        coalesce(
            progress_pct > lag(progress_pct) over (partition by project_code order by period), false
        ) as has_moved
    from construction
),

last_construction as (
    select
        period,
        project_code,
        max(case when has_moved then {{ period_end('period') }} end) over (
            partition by project_code order by period rows between unbounded preceding and current row
        ) as last_construction_progress
    from construction_steps
),

final as (
    select
        projects.period,
        projects.project_code,
        last_resettlement.last_resettled_date,
        last_construction.last_construction_progress,
        greatest(last_resettlement.last_resettled_date, last_construction.last_construction_progress)
            as last_progress_date,
        greatest(
            {{ months_between(
                "coalesce(greatest(last_resettlement.last_resettled_date,"
                ~ " last_construction.last_construction_progress), '" ~ var('policy_date') ~ "'::date)",
                'projects.period_end') }},
            0
        ) as months_without_progress
    from projects
    left join last_resettlement using (period, project_code)
    left join last_construction using (period, project_code)
)

select * from final
