{{ config(schema='intermediate', materialized='view') }}

{#- Certificates, petitions, repayments and refunds of each project in force, with the project's flags:
    F21 households 6 months resettled without a certificate application; F22 certificates deferred for the
    developer's tax arrears (a task for the tax bureau); F23 an open province or Beijing petition without a
    named handler; F25 refunds chosen and unpaid after 6 months; F26 a repayment overdue; F27 a category-2
    project with off-site households and no repayment agreement. (F24, a mass petition outside the priority
    list, needs the priority score and is set by the joint-review mart.) -#}

with

projects as (
    select
        period,
        project_code,
        disposal_category,
        is_in_scope
    from {{ ref('int_projects_in_force') }}
),

certificates as (select * from {{ ref('int_project_certificates') }}),

petitions as (select * from {{ ref('int_project_petitions') }}),

agreements as (select * from {{ ref('int_developer_repayments') }}),

households as (select * from {{ ref('household_resettlement') }}),

choices as (select * from {{ ref('resettlement_choices') }}),

repayments as (
    select
        period,
        project_code,
        count(*) as repayment_agreements,
        sum(amount_agreed) as repayment_agreed,
        sum(amount_repaid) as repayment_repaid,
        count(*) filter (where is_overdue) as repayments_overdue,
        coalesce(sum(amount_outstanding) filter (where is_overdue), 0) as repayment_overdue_amount,
        string_agg(distinct submission_id::text, ',') as repayment_submission_ids
    from agreements
    group by period, project_code
),

households_per_project as (
    select
        households.period,
        households.project_code,
        count(*) filter (where choices.is_offsite) as households_offsite,
        count(*) filter (where households.refund_overdue) as refunds_overdue
    from households
    left join choices on households.resettlement_choice = choices.resettlement_choice
    group by households.period, households.project_code
),

joined as (
    select
        projects.period,
        projects.project_code,
        projects.disposal_category,
        {{ zero_when_missing('certificates', certificate_figures()) }},
        certificates.certificate_blockers,
        coalesce(certificates.households_lacking_application, 0) as households_lacking_certificate_application,
        {{ zero_when_missing('petitions', petition_figures()) }},
        {{ zero_when_missing('repayments', repayment_figures()) }},
        coalesce(households_per_project.households_offsite, 0) as households_offsite,
        coalesce(households_per_project.refunds_overdue, 0) as refunds_overdue,
        concat_ws(',', petitions.petition_submission_ids, repayments.repayment_submission_ids)
            as feed_submission_ids
    from projects
    left join certificates using (period, project_code)
    left join petitions using (period, project_code)
    left join repayments using (period, project_code)
    left join households_per_project using (period, project_code)
),

final as (
    select
        *,
        case
            when certificates_blocked_by_tax > 0
                then '市税务局：督促开发企业清缴欠税，' || certificates_blocked_by_tax || '套安置房产权证因欠税暂缓办理'
        end as tax_bureau_task_zh,
        nullif(concat_ws(
            ',',
            case when households_lacking_certificate_application > 0 then 'F21' end,
            case when certificates_blocked_by_tax > 0 then 'F22' end,
            case when petitions_without_handler > 0 then 'F23' end,
            case when refunds_overdue > 0 then 'F25' end,
            case when repayments_overdue > 0 then 'F26' end,
            case when disposal_category = 2 and households_offsite > 0 and repayment_agreements = 0 then 'F27' end
        ), '') as feed_flags
    from joined
)

select * from final
