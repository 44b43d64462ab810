{{
    config(
        materialized='incremental',
        meta={'as_of_build_date': true},
    )
}}

{#- 督办事项: every supervised task of the office's file in force for the month, its responsible unit resolved
    to a source (so alerts reach its contact) and its state as of the month's end (or today, for the month
    under way): open, done on time, done late, or overdue. -#}

with

items as (
    select * from {{ ref('stg_office__supervision_items') }}
    {{ only_periods_to_build() }}
),

sources as (select * from {{ ref('sources') }}),

districts as (select * from {{ ref('districts') }}),

dated as (
    select
        items.*,
        least({{ period_end('items.period') }}, current_date) as as_of_date
    from items
),

final as (
    select
        dated.period,
        dated.item_no,
        dated.district,
        districts.district_name_zh,
        dated.project_code,
        dated.task,
        dated.responsible_unit,
        sources.source as responsible_source,
        dated.assigned_date,
        dated.due_date,
        dated.done_date,
        dated.status,
        dated.progress_note,
        dated.status in ('已办结', '已销号') as is_done,
        dated.status = '办理中' and dated.due_date < dated.as_of_date as is_overdue,
        case
            when dated.status in ('已办结', '已销号') and dated.done_date <= dated.due_date then '按期办结'
            when dated.status in ('已办结', '已销号') then '逾期办结'
            when dated.due_date < dated.as_of_date then '逾期未办结'
            else '办理中'
        end as state_zh,
        case
            when dated.status = '办理中' and dated.due_date < dated.as_of_date
                then dated.as_of_date - dated.due_date
            else 0
        end as days_overdue,
        array[dated.submission_id] as submission_ids
    from dated
    left join sources on dated.responsible_unit = sources.source_name_zh
    left join districts on dated.district = districts.district
)

select
    *,
    {{ build_started_at() }} as built_at
from final
