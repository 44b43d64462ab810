{{
    config(
        materialized='incremental',
    )
}}

{#- Property certificates per district and month: households resettled into an exchange flat, applications,
    certificates issued (this month and in all), deferrals by reason, households waiting 6 months or more
    without applying, and the median days from resettlement to certificate. -#}

with

households as (
    select * from {{ ref('household_resettlement') }}
    {{ only_periods_to_build() }}
),

districts as (select * from {{ ref('districts') }}),

eligible as (
    select
        *,
        certificate_issued_date - resettled_date as days_to_certificate
    from households
    where needs_certificate
),

per_district as (
    select
        period,
        district,
        bool_or(registration_reported) as registration_reported,
        count(*) as households_resettled,
        count(*) filter (where certificate_status in ('已受理', '已发证', '暂缓办理')) as applied,
        count(*) filter (where certificate_status = '已受理') as pending,
        count(*) filter (where certificate_status = '已发证') as issued,
        count(*) filter (
            where certificate_status = '已发证' and to_char(certificate_issued_date, 'YYYY-MM') = period
        ) as issued_this_month,
        count(*) filter (where certificate_status = '未申请') as not_applied,
        count(*) filter (where lacks_certificate_application) as not_applied_6_months,
        count(*) filter (where certificate_status = '暂缓办理') as blocked,
        count(*) filter (where certificate_status = '暂缓办理' and certificate_blocker = '开发企业欠税')
            as blocked_tax_arrears,
        count(*) filter (where certificate_status = '暂缓办理' and certificate_blocker = '未竣工验收备案')
            as blocked_no_acceptance,
        count(*) filter (where certificate_status = '暂缓办理' and certificate_blocker = '资料不全')
            as blocked_incomplete_documents,
        count(*) filter (where certificate_status = '暂缓办理' and certificate_blocker = '其他') as blocked_other,
        percentile_cont(0.5) within group (
            order by days_to_certificate
        ) filter (
            where certificate_status = '已发证' and days_to_certificate >= 0
        ) as median_days_to_certificate
    from eligible
    group by period, district
),

final as (
    select
        per_district.period,
        per_district.district,
        districts.district_name_zh,
        per_district.registration_reported,
        per_district.households_resettled,
        per_district.applied,
        per_district.pending,
        per_district.issued,
        per_district.issued_this_month,
        per_district.not_applied,
        per_district.not_applied_6_months,
        per_district.blocked,
        per_district.blocked_tax_arrears,
        per_district.blocked_no_acceptance,
        per_district.blocked_incomplete_documents,
        per_district.blocked_other,
        round(per_district.median_days_to_certificate::numeric, 1) as median_days_to_certificate,
        round(per_district.issued::numeric / nullif(per_district.households_resettled, 0), 4) as issued_rate,
        {{ build_started_at() }} as built_at
    from per_district
    inner join districts on per_district.district = districts.district
)

select * from final
