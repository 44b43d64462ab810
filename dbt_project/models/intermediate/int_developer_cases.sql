{{ config(schema='intermediate', materialized='table') }}

{#- A table, rebuilt whole by every run that selects it: a few thousand rows a month from small inputs.
    As a view it was computed again by each of its tests and by each reader: the project facts and
    `developer_risk`. -#}

with

company_records as (select * from {{ ref('int_company_records') }}),

court as (select * from {{ ref('stg_court__court_cases') }}),

police as (select * from {{ ref('stg_police__police_cases') }}),

tax as (select * from {{ ref('stg_tax__tax_statuses') }}),

matches as (
    select
        period,
        dataset,
        record_key,
        developer_uscc
    from company_records
    where developer_uscc is not null
),

court_cases as (
    select
        matches.period,
        matches.developer_uscc,
        count(*) as court_cases,
        count(*) filter (where court.status <> '已结案') as court_cases_open,
        coalesce(sum(court.claim_amount), 0) as court_claim_amount,
        coalesce(sum(court.seized_asset_value), 0) as seized_asset_value,
        coalesce(sum(court.auction_proceeds), 0) as auction_proceeds,
        bool_or(court.auction_date is not null or court.seized_asset_value > 0) as has_appraisal_or_auction,
        bool_or(court.case_type = '破产') as has_bankruptcy_case,
        string_agg(distinct court.submission_id::text, ',') as court_submission_ids
    from matches
    inner join court
        on (matches.period, matches.dataset, matches.record_key) = (court.period, 'court_cases', court.case_no)
    group by matches.period, matches.developer_uscc
),

police_cases as (
    select
        matches.period,
        matches.developer_uscc,
        count(*) as police_cases,
        string_agg(distinct police.submission_id::text, ',') as police_submission_ids,
        string_agg(distinct police.charge, '、') as police_charges,
        coalesce(sum(police.frozen_funds), 0) as frozen_funds
    from matches
    inner join police
        on (matches.period, matches.dataset, matches.record_key) = (police.period, 'police_cases', police.case_no)
    group by matches.period, matches.developer_uscc
),

tax_status as (
    select distinct on (matches.period, matches.developer_uscc)
        matches.period,
        matches.developer_uscc,
        tax.tax_arrears,
        tax.abnormal_status as is_abnormal_taxpayer,
        tax.last_filing_date,
        tax.submission_id::text as tax_submission_ids
    from matches
    inner join tax
        on matches.period = tax.period and matches.record_key = tax.uscc || '/' || tax.tax_period
    where matches.dataset = 'tax_status'
    order by matches.period asc, matches.developer_uscc asc, tax.tax_period desc
),

keys as (
    select
        period,
        developer_uscc
    from court_cases
    union
    select
        period,
        developer_uscc
    from police_cases
    union
    select
        period,
        developer_uscc
    from tax_status
),

final as (
    select
        keys.period,
        keys.developer_uscc,
        {{ zero_when_missing('court_cases', court_figures()) }},
        {{ zero_when_missing('court_cases', ['has_appraisal_or_auction', 'has_bankruptcy_case'], default='false') }},
        coalesce(police_cases.police_cases, 0) as police_cases,
        police_cases.police_charges,
        coalesce(police_cases.frozen_funds, 0) as frozen_funds,
        coalesce(tax_status.tax_arrears, 0) as tax_arrears,
        coalesce(tax_status.is_abnormal_taxpayer, false) as is_abnormal_taxpayer,
        tax_status.last_filing_date,
        concat_ws(
            ',', court_cases.court_submission_ids, police_cases.police_submission_ids,
            tax_status.tax_submission_ids
        ) as department_submission_ids
    from keys
    left join court_cases using (period, developer_uscc)
    left join police_cases using (period, developer_uscc)
    left join tax_status using (period, developer_uscc)
)

select * from final
