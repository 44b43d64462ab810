{{ config(schema='intermediate', materialized='view') }}

{#- Each household of a reporting month with its project's attributes from the ledger of the same month:
    district, scope and contracted return date, and how long the household has waited past that date. -#}

with

households as (select * from {{ ref('int_households_masked') }}),

projects_in_force as (select * from {{ ref('int_projects_in_force') }}),

projects as (
    select
        period,
        project_code,
        ledger_submission_id,
        district,
        contracted_return_date,
        disposal_category,
        is_in_scope as in_scope,
        {#- Keys of the project's dates, computed once per project and month, not once per household. -#}
        {{ month_key('contracted_return_date') }} as contracted_return_key,
        {{ month_key('period_end') }} as period_end_key
    from projects_in_force
),

joined as (
    select
        households.*,
        projects.ledger_submission_id,
        projects.contracted_return_date,
        projects.disposal_category,
        projects.in_scope,
        coalesce(projects.district, households.submitted_by) as district,
        {#- How long the household has waited past the contracted date: to its resettlement, else to the
            month's end. Without a project in the ledger there is no contracted date and no count. -#}
        {{ months_between_keys(
            'projects.contracted_return_key',
            "case when households.is_resettled then " ~ month_key('households.resettled_date')
            ~ " else projects.period_end_key end"
        ) }} as months_since_return_date
    from households
    left join projects
        on
            households.period = projects.period
            and households.project_code = projects.project_code
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
        case when months_since_return_date < 0 then 0 else months_since_return_date end as months_waiting,
        petition_level,
        refund_due,
        refund_paid,
        refund_date,
        disposal_category,
        in_scope,
        submission_id,
        source_row,
        ledger_submission_id
    from joined
)

select * from final
