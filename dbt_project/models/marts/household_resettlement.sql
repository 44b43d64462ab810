{{
    config(
        materialized='incremental',
        on_schema_change='fail',
        indexes=[{'columns': ['built_at']}],
        post_hook="{{ hold_primary_key(['period', 'household_code']) }}",
    )
}}

{#- 居民安置情况: each household of a month, its row of `int_households_joined_to_projects` (masked roster,
    project), checked against the policy and the other offices' files:
    * the policy and the housing service center: a choice the category does not offer (on-site under
      categories 1 and 4), resettled per the district while the center's unit is not occupied, resettled
      before the contracted return date (never overdue: counted apart), and the outcome, where a refund
      (退还费用) is an outcome of its own (退款处置), not a household waiting for a flat;
    * the registration center, the petition bureau and the roster's refund columns, with the household's
      flags: F21 resettled into an exchange flat 6 months or more before the month's end and still no
      certificate application (only when the registration center reported that month); F23 an open province
      or Beijing petition without a named handler; F25 a refund chosen, agreed 6 months or more before the
      month's end and not paid in full.
    The only household-sized table after the masked rosters: the project and district figures count this
    table, so they add up to the households a leader can list. Every file joined here is small (the
    registration center's by flat, 房源编号, the flat the roster says the household received), so a build
    is one pass over the households, never a join of two household-sized inputs. -#}

with

households as (
    select * from {{ ref('int_households_joined_to_projects') }}
    {{ only_periods_to_build() }}
),

units as (
    select * from {{ ref('stg_housing_center__housing_units') }}
    {{ only_periods_to_build() }}
),

certificates as (
    select * from {{ ref('stg_registration__property_certificates') }}
    {{ only_periods_to_build() }}
),

reported as (
    {#- Whether the center reported the month at all, so a missing file is never read as "no application".
        Read apart from `certificates` so that each is planned from the table's statistics (a CTE read twice is
        materialized, and its keys then look so repetitive that the planner hashes the households instead). -#}
    select distinct period from {{ ref('stg_registration__property_certificates') }}
    {{ only_periods_to_build() }}
),

petitions as (
    select * from {{ ref('int_household_petitions') }}
    {{ only_periods_to_build() }}
),

months as (
    {#- The day six months before each month's end, worked out once per month rather than once per household
        (a date from text and two intervals, repeated in three flags of every row, was a fifth of the
        model's time). Every month of a roster is a month of the submissions register. -#}
    select
        period,
        ({{ period_end('period') }} - interval '6 months')::date as six_months_before_month_end
    from (select distinct period from {{ ref('stg_ops__submissions') }}) as periods
    {{ only_periods_to_build() }}
),

choices as (select * from {{ ref('resettlement_choices') }}),

categories as (select * from {{ ref('disposal_categories') }}),

joined as (
    {#- Each household with what the other files say of it, read once; the checks follow from these. -#}
    select
        households.*,
        coalesce(not categories.offers_onsite and choices.is_onsite, false) as is_onsite_not_allowed,
        coalesce(
            households.is_resettled
            and households.unit_code is not null
            and units.status is distinct from '已入住',
            false
        ) as is_unit_not_occupied,
        coalesce(households.is_resettled and households.resettled_date < households.contracted_return_date, false)
            as is_resettled_before_due,
        coalesce(choices.is_refund, false) as chose_refund,
        households.is_resettled and coalesce(choices.needs_certificate, false) as needs_certificate,
        reported.period is not null as registration_reported,
        certificates.certificate_status as reported_certificate_status,
        certificates.applied_date as certificate_applied_date,
        certificates.issued_date as certificate_issued_date,
        certificates.blocker as certificate_blocker,
        coalesce(petitions.petitions_open, 0) as petitions_open,
        petitions.petition_level_open,
        petitions.petition_latest_date,
        coalesce(petitions.petitions_without_handler, 0) as petitions_without_handler,
        petitions.petition_handler_assigned,
        months.six_months_before_month_end,
        concat_ws(',', certificates.submission_id::text, petitions.petition_submission_ids) as feed_submission_ids
    from households
    left join units
        on
            households.period = units.period
            and households.unit_code = units.unit_code
    left join certificates
        on
            households.period = certificates.period
            and households.unit_code = certificates.unit_code
    left join reported on households.period = reported.period
    left join months on households.period = months.period
    left join petitions
        on
            households.period = petitions.period
            and households.household_code = petitions.household_code
    left join choices on households.resettlement_choice = choices.resettlement_choice
    left join categories on households.disposal_category = categories.disposal_category
),

checked as (
    select
        *,
        case
            when is_resettled_before_due then '按期安置'
            when is_resettled then '逾期后安置'
            when chose_refund then '退款处置'
            else '未安置'
        end as outcome_zh,
        case
            when not needs_certificate then null
            when not registration_reported then '未报送'
            else coalesce(reported_certificate_status, '未申请')
        end as certificate_status,
        case
            when not chose_refund then null
            when refund_due is null then '未核定'
            when coalesce(refund_paid, 0) >= refund_due then '已退清'
            when coalesce(refund_paid, 0) > 0 then '部分退还'
            else '未退还'
        end as refund_status
    from joined
),

final as (
    select
        *,
        {#- 未申请 is only ever set for a household that needs a certificate, in a month the center reported. -#}
        coalesce(
            certificate_status = '未申请' and resettled_date <= six_months_before_month_end, false
        ) as lacks_certificate_application,
        coalesce(
            refund_status in ('未核定', '未退还', '部分退还') and agreement_date <= six_months_before_month_end, false
        ) as refund_overdue
    from checked
),

flagged as (
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
        array_remove(array[
            case when lacks_certificate_application then 'F21' end,
            case when petitions_without_handler > 0 then 'F23' end,
            case when refund_overdue then 'F25' end
        ], null) as flag_codes,
        disposal_category,
        needs_certificate,
        registration_reported,
        petitions_without_handler,
        lacks_certificate_application,
        refund_overdue,
        feed_submission_ids,
        {{ build_started_at() }} as built_at
    from final
)

select * from flagged
