{{ config(schema='intermediate', materialized='view') }}

{#- The disposal route of each in-scope project as a checklist: the policy's steps for its category (seed
    `route_steps`), each done when a department's fact shows it (a court seizure: 查封处置 done) or, for the
    steps no department reports, when the office's records do (a joint-review decision recording it done,
    已完成<step>, or a supervision item on it closed). Open steps carry the policy's lead unit (牵头单位). -#}

with

projects as (select * from {{ ref('int_projects_in_force') }}),

districts as (select * from {{ ref('districts') }}),

steps as (select * from {{ ref('route_steps') }}),

facts as (select * from {{ ref('int_project_department_facts') }}),

construction as (select * from {{ ref('stg_housing_bureau__construction_statuses') }}),

household_checks as (select * from {{ ref('int_project_household_checks') }}),

decisions as (select * from {{ ref('stg_office__review_decisions') }}),

supervision as (select * from {{ ref('stg_office__supervision_items') }}),

project_facts as (
    select
        projects.period,
        projects.project_code,
        projects.disposal_category,
        projects.district,
        districts.district_name_zh,
        coalesce(household_checks.households_awaiting, 0) = 0 as households_resettled,
        coalesce(construction.commitment_signed, false) as commitment_signed,
        construction.funding_source is not null as funding_source,
        construction.construction_permit_no is not null as construction_permit,
        coalesce(facts.developer_seized_asset_value, 0) > 0 as asset_valued,
        coalesce(facts.developer_auction_proceeds, 0) > 0 as auctioned,
        coalesce(facts.developer_police_cases, 0) + coalesce(facts.developer_court_cases, 0) > 0 as case_filed,
        coalesce(facts.developer_seized_asset_value, 0) > 0 as assets_seized
    from projects
    inner join districts on projects.district = districts.district
    left join facts using (period, project_code)
    left join construction using (period, project_code)
    left join household_checks using (period, project_code)
    where projects.is_in_scope
),

checklist as (
    select
        project_facts.*,
        steps.step_order,
        steps.step_code,
        steps.step_name_zh,
        steps.satisfied_by,
        steps.evidence_zh,
        replace(steps.lead_unit_zh, '区政府', project_facts.district_name_zh || '人民政府') as lead_unit_zh,
        case steps.satisfied_by
            when 'households_resettled' then project_facts.households_resettled
            when 'commitment_signed' then project_facts.commitment_signed
            when 'funding_source' then project_facts.funding_source
            when 'construction_permit' then project_facts.construction_permit
            when 'asset_valued' then project_facts.asset_valued
            when 'auctioned' then project_facts.auctioned
            when 'case_filed' then project_facts.case_filed
            when 'assets_seized' then project_facts.assets_seized
            else false
        end as done_by_department,
        exists (
            select 1
            from decisions
            where
                decisions.project_code = project_facts.project_code
                and decisions.period <= project_facts.period
                and strpos(decisions.decision, '已完成' || steps.step_name_zh) > 0
        )
        or exists (
            select 1
            from supervision
            where
                supervision.project_code = project_facts.project_code
                and supervision.period <= project_facts.period
                and supervision.status in ('已办结', '已销号')
                and strpos(supervision.task, steps.step_name_zh) > 0
        ) as done_by_office
    from project_facts
    inner join steps on project_facts.disposal_category = steps.disposal_category
),

final as (
    select
        period,
        project_code,
        district,
        disposal_category,
        step_order,
        step_code,
        step_name_zh,
        lead_unit_zh,
        done_by_department or done_by_office as is_done,
        case
            when done_by_department then evidence_zh
            when done_by_office then '领导小组办公室记录（联审会签决定或督办事项办结）'
        end as evidence_zh,
        case when done_by_department or done_by_office then '已完成' else '未完成' end as state_zh
    from checklist
)

select * from final
