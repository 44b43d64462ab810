{{ config(schema='intermediate', materialized='view') }}

{#- Every company the departments know (court defendants, police suspects, taxpayers, housing-bureau
    developers), resolved to a developer of the districts' ledgers: by USCC first, then by normalized
    name. `match_method` says how; `unmatched` rows stay, listed in `unmatched_company_records`. -#}

with

court as (select * from {{ ref('stg_court__court_cases') }}),

police as (select * from {{ ref('stg_police__police_cases') }}),

tax as (select * from {{ ref('stg_tax__tax_statuses') }}),

construction as (select * from {{ ref('stg_housing_bureau__construction_statuses') }}),

ledgers as (select * from {{ ref('stg_district__project_ledgers') }}),

developers as (
    select distinct on (developer_uscc)
        developer_uscc,
        developer_name,
        {{ normalize_company_name('developer_name') }} as name_key
    from ledgers
    order by developer_uscc asc, period desc
),

records as (
    select
        period,
        'court_cases' as dataset,
        case_no as record_key,
        defendant_uscc as company_uscc,
        defendant_name as company_name,
        submission_id,
        source_row
    from court
    union all
    select
        period,
        'police_cases' as dataset,
        case_no as record_key,
        company_uscc,
        company_name,
        submission_id,
        source_row
    from police
    union all
    select
        period,
        'tax_status' as dataset,
        uscc || '/' || tax_period as record_key,
        uscc as company_uscc,
        company_name,
        submission_id,
        source_row
    from tax
    union all
    select
        period,
        'construction_status' as dataset,
        project_code as record_key,
        developer_uscc as company_uscc,
        null as company_name,
        submission_id,
        source_row
    from construction
),

by_uscc as (
    select
        records.*,
        developers.developer_uscc as uscc_match
    from records
    left join developers on records.company_uscc = developers.developer_uscc
),

by_name as (
    select
        by_uscc.*,
        (
            select developers.developer_uscc
            from developers
            where developers.name_key = {{ normalize_company_name('by_uscc.company_name') }}
            order by developers.developer_uscc
            limit 1
        ) as name_match
    from by_uscc
),

final as (
    select
        period,
        dataset,
        record_key,
        company_uscc,
        company_name,
        coalesce(uscc_match, name_match) as developer_uscc,
        case
            when uscc_match is not null then 'uscc'
            when name_match is not null then 'name'
            else 'unmatched'
        end as match_method,
        submission_id,
        source_row
    from by_name
)

select * from final
