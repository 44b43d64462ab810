{{
    config(
        materialized='incremental',
        unique_key='period',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
    )
}}

with

households as (select * from {{ ref('int_households_joined_to_projects') }}),

{% if is_incremental() %}

    {#- Months to rebuild: the latest month already loaded and any later one, plus any earlier month whose
        roster or ledger in force has changed since it was loaded (a district's correction). -#}
    loaded_lineage as (
        select distinct
            period,
            submission_id,
            ledger_submission_id
        from {{ this }}
    ),

    changed_lineage as (
        select distinct
            period,
            submission_id,
            ledger_submission_id
        from households
        except
        select
            period,
            submission_id,
            ledger_submission_id
        from loaded_lineage
    ),

    periods_to_build as (
        select period from households
        where period >= (select max(loaded_lineage.period) from loaded_lineage)
        union
        select period from changed_lineage
    ),

{% endif %}

final as (
    select *
    from households
    {% if is_incremental() %}
        where period in (select periods_to_build.period from periods_to_build)
    {% endif %}
)

select * from final
