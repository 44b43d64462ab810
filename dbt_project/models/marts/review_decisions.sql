{{ config(materialized='incremental') }}

{#- 联审会签记录: the office's joint-review decisions per month, with the project's district (for row
    security) and the category set by name. -#}

with

decisions as (
    select * from {{ ref('stg_office__review_decisions') }}
    {{ only_periods_to_build() }}
),

projects as (
    select distinct on (project_code)
        project_code,
        district,
        project_name
    from {{ ref('int_projects_in_force') }}
    order by project_code asc, period desc
),

categories as (select * from {{ ref('disposal_categories') }}),

final as (
    select
        decisions.period,
        decisions.meeting_no,
        decisions.meeting_date,
        decisions.project_code,
        projects.project_name,
        projects.district,
        decisions.units,
        decisions.opinion,
        decisions.decision,
        decisions.category_after,
        categories.category_label_zh as category_after_zh,
        decisions.recorder,
        array[decisions.submission_id] as submission_ids
    from decisions
    left join projects using (project_code)
    left join categories on decisions.category_after = categories.disposal_category
)

select
    *,
    {{ build_started_at() }} as built_at
from final
