{{
    config(
        materialized='incremental',
    )
}}

{#- Petition cases the warehouse could not place: no household of the month's rosters has the code or the
    petitioner's ID, or the project is in no ledger. Listed for the office with the reason (no district
    column: districts see none of it), never dropped silently. -#}

with

cases as (
    select * from {{ ref('int_petition_cases_matched') }}
    {{ only_periods_to_build() }}
),

final as (
    select
        period,
        case_no,
        unmatched_reason,
        project_code,
        level,
        received_date,
        status,
        submission_id,
        source_row,
        {{ build_started_at() }} as built_at
    from cases
    where unmatched_reason is not null
)

select * from final
