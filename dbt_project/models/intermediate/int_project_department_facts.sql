{{ config(schema='intermediate', materialized='table') }}

{#- A table, rebuilt whole by every run that selects it: a few thousand rows a month from small inputs.
    As a view it was computed again by each of its tests and by each reader: the route steps and
    both project marts. -#}

{#- Court, police and tax facts of a project, kept at the level the department gave them.
    Project level: court cases whose own `project_code` names the project. Developer level (`developer_*`):
    every record matched to the project's developer, repeated on each of its projects and so never to be
    summed across projects (city and district totals read `developer_risk`, one row per developer).
    Name-inferred matches (no or wrong USCC) are counted and listed so the sheet can mark them 推断. -#}

with

projects as (select * from {{ ref('int_projects_in_force') }}),

court as (select * from {{ ref('stg_court__court_cases') }}),

developer_cases as (select * from {{ ref('int_developer_cases') }}),

company_records as (select * from {{ ref('int_company_records') }}),

project_court as (
    select
        period,
        project_code,
        count(*) as court_cases,
        count(*) filter (where status <> '已结案') as court_cases_open,
        coalesce(sum(claim_amount), 0) as court_claim_amount,
        coalesce(sum(seized_asset_value), 0) as seized_asset_value,
        coalesce(sum(auction_proceeds), 0) as auction_proceeds,
        string_agg(case_no, '、' order by case_no) as court_case_nos,
        string_agg(distinct submission_id::text, ',') as court_submission_ids
    from court
    where project_code is not null
    group by period, project_code
),

developer_projects as (
    select
        period,
        developer_uscc,
        count(*) as developer_projects
    from projects
    group by period, developer_uscc
),

inferred as (
    select
        period,
        developer_uscc,
        count(*) as inferred_matches,
        string_agg(
            case dataset
                when 'court_cases' then '法院'
                when 'police_cases' then '公安'
                when 'tax_status' then '税务'
                else '住建'
            end || '：' || coalesce(company_name, record_key) || '（' || split_part(record_key, '/', 1) || '）',
            '；' order by dataset, record_key
        ) as inferred_records_zh
    from company_records
    where match_method = 'name'
    group by period, developer_uscc
),

final as (
    select
        projects.period,
        projects.project_code,
        projects.developer_uscc,
        {{ zero_when_missing('project_court', court_figures()) }},
        project_court.court_case_nos,
        coalesce(developer_projects.developer_projects, 1) as developer_projects,
        {{ zero_when_missing('developer_cases', court_figures(), prefix='developer_') }},
        coalesce(developer_cases.has_appraisal_or_auction, false) as developer_has_appraisal_or_auction,
        coalesce(developer_cases.police_cases, 0) as developer_police_cases,
        developer_cases.police_charges as developer_police_charges,
        {{ zero_when_missing('developer_cases', ['frozen_funds', 'tax_arrears'], prefix='developer_') }},
        coalesce(developer_cases.is_abnormal_taxpayer, false) as developer_is_abnormal_taxpayer,
        coalesce(inferred.inferred_matches, 0) as inferred_matches,
        inferred.inferred_records_zh,
        concat_ws(',', project_court.court_submission_ids, developer_cases.department_submission_ids)
            as department_submission_ids
    from projects
    left join project_court using (period, project_code)
    left join developer_projects using (period, developer_uscc)
    left join developer_cases using (period, developer_uscc)
    left join inferred using (period, developer_uscc)
)

select * from final
