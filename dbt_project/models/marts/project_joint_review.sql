{{
    config(
        materialized='incremental',
        meta={'reads_earlier_months': true},
    )
}}

with

projects as (
    select * from {{ ref('int_projects_in_force') }}
    {{ only_periods_to_build() }}
),

households as (
    select * from {{ ref('int_project_households') }}
    {{ only_periods_to_build() }}
),

units as (
    select * from {{ ref('int_project_units') }}
    {{ only_periods_to_build() }}
),

construction as (
    select * from {{ ref('stg_housing_bureau__construction_statuses') }}
    {{ only_periods_to_build() }}
),

department_facts as (
    select * from {{ ref('int_project_department_facts') }}
    {{ only_periods_to_build() }}
),

priority as (
    select * from {{ ref('int_project_priority') }}
    {{ only_periods_to_build() }}
),

category_changes as (
    select * from {{ ref('int_project_category_changes') }}
    {{ only_periods_to_build() }}
),

household_checks as (
    select * from {{ ref('int_project_household_checks') }}
    {{ only_periods_to_build() }}
),

route as (
    select
        period,
        project_code,
        count(*) as route_steps_total,
        count(*) filter (where is_done) as route_steps_done,
        string_agg(
            step_name_zh || '（牵头：' || lead_unit_zh || '）', '；' order by step_order
        ) filter (where not is_done) as route_open_steps_zh
    from {{ ref('int_project_route_steps') }}
    {{ only_periods_to_build() }}
    group by period, project_code
),

categories as (select * from {{ ref('disposal_categories') }}),

feeds as (
    select * from {{ ref('int_project_feeds') }}
    {{ only_periods_to_build() }}
),

districts as (select * from {{ ref('districts') }}),

joined as (
    select
        projects.*,
        districts.district_name_zh,
        coalesce(households.roster_households_total, 0) as roster_households_total,
        coalesce(households.roster_households_unresettled, 0) as roster_households_unresettled,
        coalesce(households.unresettled_displaced, 0) as unresettled_displaced,
        coalesce(households.unresettled_cash_purchase, 0) as unresettled_cash_purchase,
        coalesce(households.unresettled_exchange, 0) as unresettled_exchange,
        coalesce(households.unresettled_onsite_return, 0) as unresettled_onsite_return,
        coalesce(households.unresettled_rental, 0) as unresettled_rental,
        coalesce(households.unresettled_onsite_purchase, 0) as unresettled_onsite_purchase,
        coalesce(households.unresettled_refund, 0) as unresettled_refund,
        coalesce(households.unresettled_undecided, 0) as unresettled_undecided,
        coalesce(households.agreements_exchange, 0) as agreements_exchange,
        coalesce(households.agreements_rental, 0) as agreements_rental,
        coalesce(households.agreements_return_commitment, 0) as agreements_return_commitment,
        coalesce(households.units_needed, 0) as units_needed,
        coalesce(households.rental_for_displaced, 0) as rental_for_displaced,
        coalesce(households.petitioning_households, 0) as petitioning_households,
        coalesce(households.highest_petition_rank, 0) as highest_petition_rank,
        coalesce(households.highest_petition_level, '无') as highest_petition_level,
        coalesce(units.units_allocated, 0) as units_allocated,
        coalesce(units.units_occupied, 0) as units_occupied,
        construction.commitment_signed,
        construction.commitment_date,
        construction.funding_source,
        construction.committed_start_date,
        construction.committed_completion_date,
        construction.progress_pct,
        construction.planning_permit_no,
        construction.construction_permit_no,
        department_facts.court_cases,
        department_facts.court_cases_open,
        department_facts.court_claim_amount,
        department_facts.seized_asset_value,
        department_facts.auction_proceeds,
        department_facts.court_case_nos,
        department_facts.developer_projects,
        department_facts.developer_court_cases,
        department_facts.developer_court_cases_open,
        department_facts.developer_court_claim_amount,
        department_facts.developer_seized_asset_value,
        department_facts.developer_auction_proceeds,
        department_facts.developer_has_appraisal_or_auction,
        department_facts.developer_police_cases,
        department_facts.developer_police_charges,
        department_facts.developer_frozen_funds,
        department_facts.developer_tax_arrears,
        department_facts.developer_is_abnormal_taxpayer,
        department_facts.inferred_matches,
        department_facts.inferred_records_zh,
        categories.category_label_zh as disposal_category_zh,
        coalesce(household_checks.households_onsite_not_allowed, 0) as households_onsite_not_allowed,
        coalesce(household_checks.households_unit_not_occupied, 0) as households_unit_not_occupied,
        coalesce(household_checks.households_resettled_before_due, 0) as households_resettled_before_due,
        coalesce(household_checks.households_refund_route, 0) as households_refund_route,
        coalesce(household_checks.households_awaiting, 0) as households_awaiting,
        category_changes.previous_category,
        category_changes.previous_category_zh,
        coalesce(category_changes.category_changed, false) as category_changed,
        category_changes.scope_change,
        coalesce(category_changes.households_scope_change, 0) as households_scope_change,
        category_changes.category_decided_this_month,
        category_changes.decided_category,
        category_changes.decided_category_zh,
        category_changes.decided_meeting_no,
        coalesce(category_changes.is_decision_not_followed, false) as is_decision_not_followed,
        coalesce(category_changes.is_normal_but_overdue, false) as is_normal_but_overdue,
        coalesce(route.route_steps_total, 0) as route_steps_total,
        coalesce(route.route_steps_done, 0) as route_steps_done,
        route.route_open_steps_zh,
        priority.weighted_petitioners,
        priority.months_without_progress,
        priority.score_households,
        priority.score_overdue,
        priority.score_petition,
        priority.score_stagnation,
        priority.priority_score,
        priority.priority_rank,
        coalesce(priority.is_priority, false) as is_priority,
        {#- certificates, petitions, repayments and refunds (int_project_feeds) -#}
        {{ zero_when_missing('feeds', certificate_figures()) }},
        feeds.certificate_blockers,
        coalesce(feeds.households_lacking_certificate_application, 0) as households_lacking_certificate_application,
        feeds.tax_bureau_task_zh,
        {{ zero_when_missing(
            'feeds', petition_figures() + repayment_figures() + ['households_offsite', 'refunds_overdue']
        ) }},
        coalesce(string_to_array(feeds.feed_flags, ','), '{}'::text[]) as feed_flag_codes,
        {{ id_list_to_array([
            'projects.ledger_submission_id::text', 'construction.submission_id::text',
            'households.roster_submission_ids', 'units.units_submission_ids',
            'department_facts.department_submission_ids',
            'feeds.feed_submission_ids',
        ]) }} as submission_ids
    from projects
    inner join districts on projects.district = districts.district
    left join households using (period, project_code)
    left join units using (period, project_code)
    left join construction using (period, project_code)
    left join department_facts using (period, project_code)
    left join priority using (period, project_code)
    left join category_changes using (period, project_code)
    left join household_checks using (period, project_code)
    left join route using (period, project_code)
    left join categories on projects.disposal_category = categories.disposal_category
    left join feeds using (period, project_code)
),

flagged as (
    select
        joined.*,
        array_remove(array[
            case
                when
                    joined.disposal_category = 2
                    and (joined.commitment_signed is not true or joined.construction_permit_no is null)
                    then 'F01'
            end,
            case
                when joined.committed_completion_date < joined.period_end and coalesce(joined.progress_pct, 0) < 100
                    then 'F02'
            end,
            case
                when
                    joined.disposal_category = 4
                    and joined.developer_police_cases = 0 and joined.developer_court_cases = 0 then 'F03'
            end,
            case when joined.disposal_category = 3 and not joined.developer_has_appraisal_or_auction then 'F04' end,
            case when joined.disposal_category = 2 and joined.developer_is_abnormal_taxpayer then 'F05' end,
            case
                when
                    joined.households_total <> joined.roster_households_total
                    or joined.households_unresettled <> joined.roster_households_unresettled then 'F06'
            end,
            case when joined.households_onsite_not_allowed > 0 then 'F08' end,
            case when joined.households_unit_not_occupied > 0 then 'F09' end,
            case when joined.households_resettled_before_due > 0 then 'F10' end,
            case when joined.is_normal_but_overdue then 'F11' end,
            case when joined.is_decision_not_followed then 'F12' end
        ], null) || joined.feed_flag_codes || array_remove(array[
            case when joined.mass_petitions_open > 0 and not joined.is_priority then 'F24' end
        ], null) as flag_codes
    from joined
),

final as (
    select
        flagged.*,
        cardinality(flagged.flag_codes) as flag_count,
        (
            select string_agg(flag_labels.flag_label_zh, '；' order by flag_labels.flag_code)
            from {{ ref('consistency_flags') }} as flag_labels
            where flag_labels.flag_code = any(flagged.flag_codes)
        ) as flags_zh
    from flagged
)

select
    *,
    {{ build_started_at() }} as built_at
from final
