{{
    config(
        materialized='incremental',
        meta={'reads_earlier_months': true},
    )
}}

with

reviews as (
    select * from {{ ref('project_joint_review') }}
    {{ only_periods_to_build() }}
),

progress as (
    select * from {{ ref('stg_district__monthly_progress') }}
    {{ only_periods_to_build() }}
),

districts as (select * from {{ ref('districts') }}),

in_scope as (
    select *
    from reviews
    where is_in_scope
),

per_district as (
    select
        district,
        period,
        count(*) as projects,
        sum(households_total) as households_total,
        sum(households_unresettled) as households_unresettled,
        sum(unresettled_displaced) as unresettled_displaced,
        sum(unresettled_cash_purchase) as unresettled_cash_purchase,
        sum(unresettled_exchange) as unresettled_exchange,
        sum(unresettled_onsite_return) as unresettled_onsite_return,
        sum(unresettled_rental) as unresettled_rental,
        sum(unresettled_onsite_purchase) as unresettled_onsite_purchase,
        sum(unresettled_refund) as unresettled_refund,
        sum(unresettled_undecided) as unresettled_undecided,
        count(*) filter (where is_priority) as priority_projects,
        sum(households_refund_route) as households_refund_route,
        sum(households_awaiting) as households_awaiting,
        count(*) filter (where flag_count > 0) as flagged_projects,
        string_agg(array_to_string(submission_ids, ','), ',') as submission_id_list
    from in_scope
    group by district, period
),

progress_in_scope as (
    select
        in_scope.district,
        progress.period,
        sum(progress.resettled_this_month) as resettled_this_month,
        sum(progress.resettled_cumulative) as resettled_cumulative,
        string_agg(distinct progress.submission_id::text, ',') as progress_submission_ids
    from progress
    inner join in_scope
        on progress.period = in_scope.period and progress.project_code = in_scope.project_code
    group by in_scope.district, progress.period
),

final as (
    select
        per_district.district,
        districts.district_name_zh,
        per_district.period,
        per_district.projects,
        per_district.households_total,
        per_district.households_unresettled,
        per_district.households_total - per_district.households_unresettled as households_resettled,
        round(
            100.0 * (per_district.households_total - per_district.households_unresettled)
            / nullif(per_district.households_total, 0),
            1
        ) as percent_resettled,
        coalesce(progress_in_scope.resettled_this_month, 0) as resettled_this_month,
        coalesce(progress_in_scope.resettled_cumulative, 0) as resettled_cumulative,
        per_district.unresettled_displaced,
        per_district.unresettled_cash_purchase,
        per_district.unresettled_exchange,
        per_district.unresettled_onsite_return,
        per_district.unresettled_rental,
        per_district.unresettled_onsite_purchase,
        per_district.unresettled_refund,
        per_district.unresettled_undecided,
        per_district.priority_projects,
        per_district.flagged_projects,
        per_district.households_refund_route,
        per_district.households_awaiting,
        {{ id_list_to_array(['per_district.submission_id_list', 'progress_in_scope.progress_submission_ids']) }}
            as submission_ids
    from per_district
    inner join districts on per_district.district = districts.district
    left join progress_in_scope
        on per_district.district = progress_in_scope.district and per_district.period = progress_in_scope.period
)

select
    *,
    {{ build_started_at() }} as built_at
from final
