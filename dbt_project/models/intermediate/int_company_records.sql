{{ config(schema='intermediate', materialized='table') }}

{#- A table, rebuilt whole by every run that selects it: a few thousand rows a month from small inputs.
    As a view it was computed again by each of its tests and by each reader: the developers' facts and
    `unmatched_company_records`. -#}

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

names as (
    {#- Each folded name once, with the developer a record of that name is matched to (the lowest USCC, should
        two developers' names fold alike): a hash join, rather than a scan of the developers per record. -#}
    select
        name_key,
        min(developer_uscc) as developer_uscc
    from developers
    group by name_key
),

by_name as (
    select
        by_uscc.*,
        names.developer_uscc as name_match
    from by_uscc
    left join names on {{ normalize_company_name('by_uscc.company_name') }} = names.name_key
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
