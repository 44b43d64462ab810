{{ config(materialized='incremental') }}

with

projects as (
    select * from {{ ref('int_projects_in_force') }}
    {{ only_periods_to_build() }}
),

cases as (
    select * from {{ ref('int_developer_cases') }}
    {{ only_periods_to_build() }}
),

per_developer as (
    select
        period,
        developer_uscc,
        (array_agg(developer_name order by project_code))[1] as developer_name,
        count(*) as projects,
        count(*) filter (where is_in_scope) as projects_in_scope,
        sum(households_total) as households_affected,
        sum(households_unresettled) as households_unresettled,
        max(disposal_category) as highest_disposal_category,
        array_agg(distinct disposal_category order by disposal_category) as disposal_categories,
        array_agg(distinct project_code order by project_code) as project_codes,
        string_agg(distinct ledger_submission_id::text, ',') as ledger_submission_ids
    from projects
    group by period, developer_uscc
),

final as (
    select
        per_developer.period,
        per_developer.developer_uscc,
        per_developer.developer_name,
        per_developer.projects,
        per_developer.projects_in_scope,
        per_developer.households_affected,
        per_developer.households_unresettled,
        per_developer.disposal_categories,
        per_developer.project_codes,
        {{ zero_when_missing('cases', court_figures() + ['police_cases']) }},
        cases.police_charges,
        {{ zero_when_missing('cases', ['frozen_funds', 'tax_arrears']) }},
        coalesce(cases.is_abnormal_taxpayer, false) as is_abnormal_taxpayer,
        case
            when coalesce(cases.is_abnormal_taxpayer, false) or cases.has_bankruptcy_case then '主体灭失风险'
            when coalesce(cases.police_cases, 0) > 0 then '涉刑事案件'
            when coalesce(cases.court_cases_open, 0) > 0 then '涉诉讼'
            when coalesce(cases.tax_arrears, 0) > 0 then '欠税'
            else '正常'
        end as risk_status,
        {{ id_list_to_array(['per_developer.ledger_submission_ids', 'cases.department_submission_ids']) }}
            as submission_ids
    from per_developer
    left join cases using (period, developer_uscc)
)

select
    *,
    {{ build_started_at() }} as built_at
from final
