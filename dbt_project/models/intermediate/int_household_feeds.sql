{{
    config(
        schema='intermediate',
        materialized='incremental',
        unique_key='period',
        indexes=[{'columns': ['period', 'built_at']}, {'columns': ['built_at']}],
    )
}}

{#- What the registration center, the petition bureau and the roster's refund columns say of each household
    in a month, with the household's own flags:
    F21 resettled into an exchange flat 6 months or more before the month's end and still no certificate
        application (only when the registration center reported that month);
    F23 an open province or Beijing petition without a named handler;
    F25 a refund chosen, agreed 6 months or more before the month's end and not paid in full. -#}

with

households as (
    select
        period,
        household_code,
        project_code,
        district,
        is_resettled,
        resettled_date,
        resettlement_choice,
        agreement_date,
        {{ period_end('period') }} as period_end_date
    from {{ ref('int_households_joined_to_projects') }}
    {{ only_periods_to_build() }}
),

refunds as (
    select
        period,
        household_code,
        refund_due,
        refund_paid,
        refund_date
    from {{ ref('stg_district__household_rosters') }}
    {{ only_periods_to_build() }}
),

certificates as (
    select * from {{ ref('int_household_certificates') }}
    {{ only_periods_to_build() }}
),

choices as (select * from {{ ref('resettlement_choices') }}),

petitions as (
    select * from {{ ref('int_household_petitions') }}
    {{ only_periods_to_build() }}
),

joined as (
    select
        households.period,
        households.household_code,
        households.project_code,
        households.district,
        households.is_resettled,
        households.resettled_date,
        households.resettlement_choice,
        households.is_resettled and coalesce(choices.needs_certificate, false) as needs_certificate,
        coalesce(certificates.registration_reported, false) as registration_reported,
        certificates.certificate_status,
        certificates.certificate_applied_date,
        certificates.certificate_issued_date,
        certificates.certificate_blocker,
        coalesce(petitions.petitions_open, 0) as petitions_open,
        petitions.petition_level_open,
        petitions.petition_latest_date,
        coalesce(petitions.petitions_without_handler, 0) as petitions_without_handler,
        petitions.petition_handler_assigned,
        refunds.refund_due,
        refunds.refund_paid,
        refunds.refund_date,
        case
            when not coalesce(choices.is_refund, false) then null
            when refunds.refund_due is null then '未核定'
            when coalesce(refunds.refund_paid, 0) >= refunds.refund_due then '已退清'
            when coalesce(refunds.refund_paid, 0) > 0 then '部分退还'
            else '未退还'
        end as refund_status,
        households.agreement_date,
        (households.period_end_date - interval '6 months')::date as six_months_before,
        concat_ws(',', certificates.certificate_submission_id::text, petitions.petition_submission_ids)
            as feed_submission_ids
    from households
    left join certificates using (period, household_code)
    left join petitions using (period, household_code)
    left join refunds using (period, household_code)
    left join choices on households.resettlement_choice = choices.resettlement_choice
),

final as (
    select
        period,
        household_code,
        project_code,
        district,
        resettled_date,
        needs_certificate,
        registration_reported,
        case
            when not needs_certificate then null
            when not registration_reported then '未报送'
            else coalesce(certificate_status, '未申请')
        end as certificate_status,
        certificate_applied_date,
        certificate_issued_date,
        certificate_blocker,
        petitions_open,
        petition_level_open,
        petition_latest_date,
        petitions_without_handler,
        petition_handler_assigned,
        refund_due,
        refund_paid,
        refund_date,
        refund_status,
        needs_certificate and registration_reported and coalesce(certificate_status, '未申请') = '未申请'
        and resettled_date <= six_months_before as lacks_certificate_application,
        refund_status in ('未核定', '未退还', '部分退还') and agreement_date <= six_months_before as refund_overdue,
        feed_submission_ids
    from joined
),

flagged as (
    select
        *,
        {#- Flag codes as comma-separated text (dbt unit tests cannot give or expect arrays). -#}
        nullif(concat_ws(
            ',',
            case when lacks_certificate_application then 'F21' end,
            case when petitions_without_handler > 0 then 'F23' end,
            case when refund_overdue then 'F25' end
        ), '') as feed_flags,
        now() as built_at
    from final
)

select * from flagged
