{{
    config(
        materialized='incremental',
        unique_key='period',
        incremental_strategy='delete+insert',
        on_schema_change='append_new_columns',
        indexes=[{'columns': ['period']}, {'columns': ['built_at']}],
    )
}}

with

households as (
    select * from {{ ref('int_households_joined_to_projects') }}
    {{ only_periods_to_build() }}
),

final as (
    select
        *,
        now() as built_at
    from households
)

select * from final
