{{ config(schema='intermediate', materialized='view') }}

{#- Each household of a reporting month with its project's attributes from the ledger of the same month:
    district, scope and contracted return date, and how long the household has waited past that date. -#}

with

households as (select * from {{ ref('int_households_masked') }}),

ledgers as (select * from {{ ref('stg_district__project_ledgers') }}),

projects as (
    select
        period,
        project_code,
        submission_id as ledger_submission_id,
        district,
        contracted_return_date,
        project_nature = '市场开发' and disposal_category between 1 and 4 as in_scope
    from ledgers
),

joined as (
    select
        households.*,
        projects.ledger_submission_id,
        projects.contracted_return_date,
        projects.in_scope,
        coalesce(projects.district, households.submitted_by) as district,
        (to_date(households.period, 'YYYY-MM') + interval '1 month' - interval '1 day')::date as period_end_date
    from households
    left join projects
        on
            households.period = projects.period
            and households.project_code = projects.project_code
),

waiting as (
    select
        *,
        case when is_resettled then resettled_date else period_end_date end as waiting_until
    from joined
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
        case
            when waiting_until >= contracted_return_date
                then (
                    extract(year from age(waiting_until, contracted_return_date)) * 12
                    + extract(month from age(waiting_until, contracted_return_date))
                )::integer
            when waiting_until < contracted_return_date then 0
        end as months_waiting,
        petition_level,
        in_scope,
        submission_id,
        source_row,
        ledger_submission_id
    from waiting
)

select * from final
