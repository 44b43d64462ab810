{{
    config(
        schema='intermediate',
        materialized='incremental',
        meta={'reads_earlier_months': true},
    )
}}

{#- The priority score of a project and whether it is 重点 (a key project); see the `priority_score` doc
    block for the formula and a worked example. Each term is its own column so a meeting can see why a
    project ranks where it does. A table, not a view: the joint review and four tests read it, and as a
    view each of them scored every month again. Months without progress read earlier months. -#}

with

projects as (
    select * from {{ ref('int_projects_in_force') }}
    {{ only_periods_to_build() }}
),

rosters as (
    select * from {{ ref('stg_district__household_rosters') }}
    {{ only_periods_to_build() }}
),

stagnation as (
    select * from {{ ref('int_project_stagnation') }}
    {{ only_periods_to_build() }}
),

levels as (select * from {{ ref('petition_levels') }}),

petitions as (
    select
        rosters.period,
        rosters.project_code,
        count(*) filter (where levels.petition_weight > 0) as petitioning_households,
        coalesce(sum(levels.petition_weight), 0) as weighted_petitioners
    from rosters
    inner join levels on rosters.petition_level = levels.petition_level
    where not rosters.resettled
    group by rosters.period, rosters.project_code
),

inputs as (
    select
        projects.period,
        projects.project_code,
        projects.is_in_scope,
        greatest(coalesce(projects.households_unresettled, 0), 0) as households_unresettled,
        greatest(coalesce(projects.months_overdue, 0), 0) as months_overdue,
        coalesce(petitions.petitioning_households, 0) as petitioning_households,
        coalesce(petitions.weighted_petitioners, 0) as weighted_petitioners,
        coalesce(stagnation.months_without_progress, 0) as months_without_progress
    from projects
    left join petitions using (period, project_code)
    left join stagnation using (period, project_code)
),

terms as (
    select
        *,
        round(least(25 * ln(1 + households_unresettled) / ln(301), 25)::numeric, 1) as score_households,
        round((15 * least(months_overdue, 120) / 120.0)::numeric, 1) as score_overdue,
        round((
            20 * least(weighted_petitioners / 10.0, 1)
            + 15 * least(coalesce(weighted_petitioners / nullif(households_unresettled, 0), 0) / 0.2, 1)
        )::numeric, 1) as score_petition,
        round((25 * least(months_without_progress, 24) / 24.0)::numeric, 1) as score_stagnation
    from inputs
),

scored as (
    select
        *,
        score_households + score_overdue + score_petition + score_stagnation as priority_score
    from terms
),

ranked as (
    select
        *,
        case
            when is_in_scope
                then row_number() over (
                    partition by period, is_in_scope
                    order by priority_score desc, households_unresettled desc, project_code asc
                )
        end as priority_rank,
        count(*) filter (where is_in_scope) over (partition by period) as projects_in_scope
    from scored
),

final as (
    select
        period,
        project_code,
        households_unresettled,
        months_overdue,
        petitioning_households,
        weighted_petitioners,
        months_without_progress,
        score_households,
        score_overdue,
        score_petition,
        score_stagnation,
        priority_score,
        priority_rank,
        coalesce(
            is_in_scope
            and priority_score >= {{ var('priority_threshold') }}
            and priority_rank <= floor({{ var('priority_max_share') }} * projects_in_scope),
            false
        ) as is_priority,
        {{ build_started_at() }} as built_at
    from ranked
)

select * from final
