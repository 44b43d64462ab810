{{ config(schema='intermediate', materialized='view') }}

with

rosters as (select * from {{ ref('stg_district__household_rosters') }}),

petition_levels as (
    select
        *,
        case petition_level
            when '进京' then 4
            when '省' then 3
            when '市' then 2
            when '区' then 1
            else 0
        end as petition_rank
    from rosters
),

per_project as (
    select
        period,
        project_code,
        count(*) as roster_households_total,
        count(*) filter (where not resettled) as roster_households_unresettled,
        count(*) filter (where not resettled and household_type = '被动迁') as unresettled_displaced,
        count(*) filter (where not resettled and household_type = '现金购房') as unresettled_cash_purchase,
        count(*) filter (where not resettled and resettlement_choice = '异地产权调换') as unresettled_exchange,
        count(*) filter (where not resettled and resettlement_choice = '原址回迁') as unresettled_onsite_return,
        count(*) filter (where not resettled and resettlement_choice = '租赁住房') as unresettled_rental,
        count(*) filter (where not resettled and resettlement_choice = '原址购房') as unresettled_onsite_purchase,
        count(*) filter (where not resettled and resettlement_choice = '退还费用') as unresettled_refund,
        count(*) filter (where not resettled and resettlement_choice = '未选择') as unresettled_undecided,
        count(*) filter (where agreement_type = '产权调换协议书') as agreements_exchange,
        count(*) filter (where agreement_type = '租赁住房协议书') as agreements_rental,
        count(*) filter (where agreement_type = '回迁安置承诺书') as agreements_return_commitment,
        count(*) filter (where not resettled and resettlement_choice in ('异地产权调换', '租赁住房')) as units_needed,
        count(*) filter (where resettlement_choice = '租赁住房' and household_type = '被动迁') as rental_for_displaced,
        count(*) filter (where petition_rank > 0) as petitioning_households,
        max(petition_rank) as highest_petition_rank,
        string_agg(distinct submission_id::text, ',') as roster_submission_ids
    from petition_levels
    group by period, project_code
),

final as (
    select
        *,
        case highest_petition_rank
            when 4 then '进京'
            when 3 then '省'
            when 2 then '市'
            when 1 then '区'
            else '无'
        end as highest_petition_level
    from per_project
)

select * from final
