{{ config(schema='intermediate', materialized='view') }}

{#- A project's disposal category and scope over time: the change since the previous month's ledger, the
    households entering or leaving the programme with it, the latest joint-review decision that set a
    category (联审会签 `category_after`) and whether the ledgers of later months follow it, and a "normal"
    (category 5) project already past its contracted return date. -#}

with

projects as (select * from {{ ref('int_projects_in_force') }}),

decisions as (
    select * from {{ ref('stg_office__review_decisions') }}
    where category_after is not null
),

categories as (select * from {{ ref('disposal_categories') }}),

history as (
    select
        period,
        project_code,
        disposal_category,
        is_in_scope,
        households_total,
        contracted_return_date,
        period_end,
        lag(period) over (partition by project_code order by period) as previous_period,
        lag(disposal_category) over (partition by project_code order by period) as previous_category,
        lag(is_in_scope) over (partition by project_code order by period) as previous_in_scope
    from projects
),

latest_decision as (
    select distinct on (history.period, history.project_code)
        history.period,
        history.project_code,
        decisions.category_after as decided_category,
        decisions.meeting_no as decided_meeting_no,
        decisions.meeting_date as decided_meeting_date,
        decisions.period as decided_period
    from history
    inner join decisions
        on history.project_code = decisions.project_code and history.period > decisions.period
    order by history.period asc, history.project_code asc, decisions.meeting_date desc, decisions.meeting_no desc
),

decided_now as (
    select distinct on (period, project_code)
        period,
        project_code,
        category_after as category_decided_this_month
    from decisions
    order by period asc, project_code asc, meeting_date desc, meeting_no desc
),

final as (
    select
        history.period,
        history.project_code,
        history.disposal_category,
        history.previous_period,
        history.previous_category,
        previous.category_label_zh as previous_category_zh,
        coalesce(history.previous_category <> history.disposal_category, false) as category_changed,
        case
            when history.previous_in_scope is null then null
            when history.is_in_scope and not history.previous_in_scope then '纳入'
            when not history.is_in_scope and history.previous_in_scope then '移出'
        end as scope_change,
        case
            when history.previous_in_scope is null then 0
            when history.is_in_scope and not history.previous_in_scope then history.households_total
            when not history.is_in_scope and history.previous_in_scope then -history.households_total
            else 0
        end as households_scope_change,
        decided_now.category_decided_this_month,
        latest_decision.decided_category,
        decided.category_label_zh as decided_category_zh,
        latest_decision.decided_meeting_no,
        latest_decision.decided_meeting_date,
        coalesce(latest_decision.decided_category <> history.disposal_category, false) as is_decision_not_followed,
        history.disposal_category = 5 and history.contracted_return_date < history.period_end
            as is_normal_but_overdue
    from history
    left join latest_decision using (period, project_code)
    left join decided_now using (period, project_code)
    left join categories as previous on history.previous_category = previous.disposal_category
    left join categories as decided on latest_decision.decided_category = decided.disposal_category
)

select * from final
