{{ config(materialized='incremental', unique_key=['period', 'project_code'], incremental_strategy='delete+insert',
          on_schema_change='append_new_columns') }}

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

developer_cases as (
    select * from {{ ref('int_developer_cases') }}
    {{ only_periods_to_build() }}
),

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
        coalesce(developer_cases.court_cases, 0) as court_cases,
        coalesce(developer_cases.court_cases_open, 0) as court_cases_open,
        coalesce(developer_cases.seized_asset_value, 0) as seized_asset_value,
        coalesce(developer_cases.auction_proceeds, 0) as auction_proceeds,
        coalesce(developer_cases.has_appraisal_or_auction, false) as has_appraisal_or_auction,
        coalesce(developer_cases.police_cases, 0) as police_cases,
        developer_cases.police_charges,
        coalesce(developer_cases.frozen_funds, 0) as frozen_funds,
        coalesce(developer_cases.tax_arrears, 0) as tax_arrears,
        coalesce(developer_cases.is_abnormal_taxpayer, false) as is_abnormal_taxpayer,
        {#- certificates, petitions, repayments and refunds (int_project_feeds) -#}
        coalesce(feeds.certificates_needed, 0) as certificates_needed,
        coalesce(feeds.certificates_issued, 0) as certificates_issued,
        coalesce(feeds.certificates_pending, 0) as certificates_pending,
        coalesce(feeds.certificates_not_applied, 0) as certificates_not_applied,
        coalesce(feeds.certificates_blocked, 0) as certificates_blocked,
        coalesce(feeds.certificates_blocked_by_tax, 0) as certificates_blocked_by_tax,
        feeds.certificate_blockers,
        coalesce(feeds.households_lacking_certificate_application, 0) as households_lacking_certificate_application,
        feeds.tax_bureau_task_zh,
        coalesce(feeds.petitions_open, 0) as petitions_open,
        coalesce(feeds.petitions_new, 0) as petitions_new,
        coalesce(feeds.petitions_closed, 0) as petitions_closed,
        coalesce(feeds.petitions_open_district, 0) as petitions_open_district,
        coalesce(feeds.petitions_open_city, 0) as petitions_open_city,
        coalesce(feeds.petitions_open_province, 0) as petitions_open_province,
        coalesce(feeds.petitions_open_beijing, 0) as petitions_open_beijing,
        coalesce(feeds.petition_persons, 0) as petition_persons,
        coalesce(feeds.mass_petitions_open, 0) as mass_petitions_open,
        coalesce(feeds.petitions_without_handler, 0) as petitions_without_handler,
        coalesce(feeds.repayment_agreements, 0) as repayment_agreements,
        coalesce(feeds.repayment_agreed, 0) as repayment_agreed,
        coalesce(feeds.repayment_repaid, 0) as repayment_repaid,
        coalesce(feeds.repayments_overdue, 0) as repayments_overdue,
        coalesce(feeds.repayment_overdue_amount, 0) as repayment_overdue_amount,
        coalesce(feeds.households_offsite, 0) as households_offsite,
        coalesce(feeds.refunds_overdue, 0) as refunds_overdue,
        coalesce(string_to_array(feeds.feed_flags, ','), '{}'::text[]) as feed_flag_codes,
        {{ id_list_to_array([
            'projects.ledger_submission_id::text', 'construction.submission_id::text',
            'households.roster_submission_ids', 'units.units_submission_ids',
            'developer_cases.department_submission_ids',
            'feeds.feed_submission_ids',
        ]) }} as submission_ids
    from projects
    inner join districts on projects.district = districts.district
    left join households using (period, project_code)
    left join units using (period, project_code)
    left join construction using (period, project_code)
    left join developer_cases
        on projects.period = developer_cases.period and projects.developer_uscc = developer_cases.developer_uscc
    left join feeds on projects.period = feeds.period and projects.project_code = feeds.project_code
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
                when joined.disposal_category = 4 and joined.police_cases = 0 and joined.court_cases = 0 then 'F03'
            end,
            case when joined.disposal_category = 3 and not joined.has_appraisal_or_auction then 'F04' end,
            case when joined.disposal_category = 2 and joined.is_abnormal_taxpayer then 'F05' end,
            case
                when
                    joined.households_total <> joined.roster_households_total
                    or joined.households_unresettled <> joined.roster_households_unresettled then 'F06'
            end,
            case when joined.rental_for_displaced > 0 then 'F07' end
        ], null) || joined.feed_flag_codes || array_remove(array[
            case
                when joined.mass_petitions_open > 0 and {{ priority_score(
                    'joined.households_unresettled', 'joined.months_overdue', 'joined.highest_petition_rank',
                    'joined.petitioning_households') }} < {{ var('priority_threshold', 70) }} then 'F24'
            end
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
        ) as flags_zh,
        {{ priority_score('households_unresettled', 'months_overdue', 'highest_petition_rank',
                          'petitioning_households') }} as priority_score
    from flagged
)

select
    *,
    now() as built_at
from final
