{{ config(schema='intermediate', materialized='view') }}

{#- Certificates of the exchange flats a project's households moved into, per month: issued, accepted and
    pending, not applied, deferred (and why), and households waiting 6 months or more without applying. -#}

with

households as (
    select * from {{ ref('int_household_feeds') }}
    where needs_certificate
),

blockers as (
    select
        period,
        project_code,
        string_agg(certificate_blocker || ' ' || households_blocked, '、' order by certificate_blocker)
            as certificate_blockers
    from (
        select
            period,
            project_code,
            certificate_blocker,
            count(*) as households_blocked
        from households
        where certificate_status = '暂缓办理'
        group by period, project_code, certificate_blocker
    ) as per_blocker
    group by period, project_code
),

per_project as (
    select
        period,
        project_code,
        count(*) as certificates_needed,
        count(*) filter (where certificate_status = '已发证') as certificates_issued,
        count(*) filter (where certificate_status = '已受理') as certificates_pending,
        count(*) filter (where certificate_status = '未申请') as certificates_not_applied,
        count(*) filter (where certificate_status = '暂缓办理') as certificates_blocked,
        count(*) filter (where certificate_blocker = '开发企业欠税' and certificate_status = '暂缓办理')
            as certificates_blocked_by_tax,
        count(*) filter (where lacks_certificate_application) as households_lacking_application
    from households
    group by period, project_code
),

final as (
    select
        per_project.*,
        blockers.certificate_blockers
    from per_project
    left join blockers using (period, project_code)
)

select * from final
