{{
    config(
        schema='intermediate',
        materialized='incremental',
    )
}}

{#- A table, not a view: the joint review, the priority and their tests read it, and as a view each of them
    aggregated every roster row again. -#}

with

rosters as (
    select * from {{ ref('stg_district__household_rosters') }}
    {{ only_periods_to_build() }}
),

roster_files as (
    {#- The roster files behind each project's figures, found apart: a `distinct` inside the aggregate below would
        sort every household row of the months being built (a hash aggregate cannot do it). -#}
    select distinct
        period,
        project_code,
        submission_id
    from {{ ref('stg_district__household_rosters') }}
    {{ only_periods_to_build() }}
),

levels as (select * from {{ ref('petition_levels') }}),

choices as (select * from {{ ref('resettlement_choices') }}),

ranked as (
    select
        rosters.*,
        coalesce(levels.petition_rank, 0) as petition_rank,
        coalesce(choices.is_offsite, false) as is_offsite,
        choices.choice_key,
        agreement_choices.choice_key as agreement_choice_key
    from rosters
    left join levels on rosters.petition_level = levels.petition_level
    left join choices on rosters.resettlement_choice = choices.resettlement_choice
    left join choices as agreement_choices on rosters.agreement_type = agreement_choices.agreement_type
),

per_project as (
    select
        period,
        project_code,
        count(*) as roster_households_total,
        count(*) filter (where not resettled) as roster_households_unresettled,
        count(*) filter (where not resettled and household_type = '被动迁') as unresettled_displaced,
        count(*) filter (where not resettled and household_type = '现金购房') as unresettled_cash_purchase,
        count(*) filter (where not resettled and choice_key = 'exchange') as unresettled_exchange,
        count(*) filter (where not resettled and choice_key = 'onsite_return') as unresettled_onsite_return,
        count(*) filter (where not resettled and choice_key = 'rental') as unresettled_rental,
        count(*) filter (where not resettled and choice_key = 'onsite_purchase') as unresettled_onsite_purchase,
        count(*) filter (where not resettled and choice_key = 'refund') as unresettled_refund,
        count(*) filter (where not resettled and choice_key = 'undecided') as unresettled_undecided,
        count(*) filter (where agreement_choice_key = 'exchange') as agreements_exchange,
        count(*) filter (where agreement_choice_key = 'rental') as agreements_rental,
        count(*) filter (where agreement_choice_key = 'onsite_return') as agreements_return_commitment,
        count(*) filter (where not resettled and is_offsite) as units_needed,
        count(*) filter (where choice_key = 'rental' and household_type = '被动迁') as rental_for_displaced,
        count(*) filter (where petition_rank > 0) as petitioning_households,
        max(petition_rank) as highest_petition_rank
    from ranked
    group by period, project_code
),

files as (
    select
        period,
        project_code,
        string_agg(submission_id::text, ',' order by submission_id::text) as roster_submission_ids
    from roster_files
    group by period, project_code
),

final as (
    select
        per_project.*,
        files.roster_submission_ids,
        coalesce(levels.petition_level, '无') as highest_petition_level,
        {{ build_started_at() }} as built_at
    from per_project
    left join files using (period, project_code)
    left join levels on per_project.highest_petition_rank = levels.petition_rank
)

select * from final
