{{
    config(
        materialized='incremental',
        meta={'reads_earlier_months': true},
    )
}}

{#- 处置路径: the policy's steps per in-scope project and month, done or open, with the lead unit of each. -#}

with

steps as (
    select * from {{ ref('int_project_route_steps') }}
    {{ only_periods_to_build() }}
)

select
    *,
    {{ build_started_at() }} as built_at
from steps
