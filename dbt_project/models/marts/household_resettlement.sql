{{
    config(
        materialized='incremental',
        unique_key='period',
        indexes=[{'columns': ['period', 'built_at']}, {'columns': ['built_at']}],
    )
}}

{#- The household list the dashboard shows: each household's row of `int_household_checks` (masked roster,
    project, checks, certificate, petitions, refund), with its flags as an array. -#}

with

households as (
    select * from {{ ref('int_household_checks') }}
    {{ only_periods_to_build() }}
),

final as (
    select
        period,
        household_code,
        household_pseudonym,
        project_code,
        district,
        head_name_masked,
        id_number_masked,
        phone_masked,
        household_type,
        has_lawful_residence,
        resettlement_choice,
        agreement_type,
        agreement_date,
        is_resettled,
        resettled_date,
        unit_code,
        contracted_return_date,
        months_waiting,
        petition_level,
        in_scope,
        submission_id,
        source_row,
        ledger_submission_id,
        outcome_zh,
        is_resettled_before_due,
        is_unit_not_occupied,
        is_onsite_not_allowed,
        certificate_status,
        certificate_applied_date,
        certificate_issued_date,
        certificate_blocker,
        petitions_open,
        petition_level_open,
        petition_latest_date,
        petition_handler_assigned,
        refund_due,
        refund_paid,
        refund_date,
        refund_status,
        coalesce(string_to_array(feed_flags, ','), '{}'::text[]) as flag_codes,
        now() as built_at
    from households
)

select * from final
