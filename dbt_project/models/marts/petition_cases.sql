{{
    config(
        materialized='incremental',
        indexes=[{'columns': ['period', 'built_at']}],
    )
}}

{#- Every petition case the bureau reported in a month (open ones and those closed that month), with the
    district of its project, the household's pseudonym when matched (never an ID number or a name), the
    level, whether a province or Beijing case still lacks a named handler, and lineage. The demand text is
    left out: clerks write names and numbers into it. -#}

with

cases as (
    select * from {{ ref('int_petition_cases_matched') }}
    {{ only_periods_to_build() }}
),

final as (
    select
        period,
        case_no,
        district,
        project_code,
        household_code,
        household_pseudonym,
        match_method,
        level,
        level_rank,
        received_date,
        form,
        persons,
        is_mass,
        responsible_unit,
        handler,
        has_handler,
        lacks_handler,
        status,
        is_open,
        closed_date,
        is_new_this_month,
        is_closed_this_month,
        submission_id,
        source_row,
        {{ build_started_at() }} as built_at
    from cases
)

select * from final
