{{ config(schema='intermediate', materialized='view') }}

{#- The certificate of each household's resettlement flat in a month: the registration center reports by
    flat (房源编号), the roster says which flat a household received. Whether the center reported that month
    at all is kept, so a missing file is never read as "no application". -#}

with

certificates as (select * from {{ ref('stg_registration__property_certificates') }}),

households as (
    select
        period,
        household_code,
        unit_code
    from {{ ref('int_households_masked') }}
    where unit_code is not null
),

reported as (
    select distinct period from certificates
),

final as (
    select
        households.period,
        households.household_code,
        certificates.unit_code is not null as has_certificate_row,
        reported.period is not null as registration_reported,
        certificates.certificate_status,
        certificates.applied_date as certificate_applied_date,
        certificates.issued_date as certificate_issued_date,
        certificates.blocker as certificate_blocker,
        certificates.submission_id as certificate_submission_id
    from households
    left join certificates
        on households.period = certificates.period and households.unit_code = certificates.unit_code
    left join reported on households.period = reported.period
)

select * from final
