{{ config(schema='intermediate', materialized='view') }}

{#- Certificates of the exchange flats a project's households moved into, per month: issued, accepted and
    pending, not applied, deferred (and why), and households waiting 6 months or more without applying.
    The households are read once, into counts per status and blocker, and everything else is taken from
    those in one aggregate: a filter on the month then reaches the household table (a CTE read twice is
    materialized first, every month of it). -#}

with

households as (
    select * from {{ ref('household_resettlement') }}
    where needs_certificate
),

per_status as (
    select
        period,
        project_code,
        certificate_status,
        certificate_blocker,
        count(*) as households,
        count(*) filter (where lacks_certificate_application) as households_lacking_application
    from households
    group by period, project_code, certificate_status, certificate_blocker
),

per_project as (
    select
        period,
        project_code,
        sum(households)::bigint as certificates_needed,
        coalesce(sum(households) filter (where certificate_status = '已发证'), 0)::bigint as certificates_issued,
        coalesce(sum(households) filter (where certificate_status = '已受理'), 0)::bigint as certificates_pending,
        coalesce(sum(households) filter (where certificate_status = '未申请'), 0)::bigint as certificates_not_applied,
        coalesce(sum(households) filter (where certificate_status = '暂缓办理'), 0)::bigint as certificates_blocked,
        coalesce(
            sum(households) filter (where certificate_blocker = '开发企业欠税' and certificate_status = '暂缓办理'), 0
        )::bigint as certificates_blocked_by_tax,
        sum(households_lacking_application)::bigint as households_lacking_application,
        string_agg(
            certificate_blocker || ' ' || households, '、' order by certificate_blocker
        ) filter (where certificate_status = '暂缓办理') as certificate_blockers
    from per_status
    group by period, project_code
),

final as (
    select * from per_project
)

select * from final
