{{ config(schema='intermediate', materialized='view') }}

with

ledgers as (select * from {{ ref('stg_district__project_ledgers') }}),

final as (
    select
        ledgers.period,
        ledgers.project_code,
        ledgers.project_name,
        ledgers.district,
        ledgers.developer_name,
        ledgers.developer_uscc,
        ledgers.project_nature,
        ledgers.disposal_category,
        ledgers.contracted_return_date,
        ledgers.overdue_reason,
        ledgers.households_total,
        ledgers.households_unresettled,
        ledgers.resettlement_area_m2,
        ledgers.lead_unit,
        ledgers.submission_id as ledger_submission_id,
        ledgers.source_row as ledger_source_row,
        {{ period_end('ledgers.period') }} as period_end,
        ledgers.project_nature = '市场开发' and ledgers.disposal_category between 1 and 4 as is_in_scope,
        greatest({{ months_between('ledgers.contracted_return_date', period_end('ledgers.period')) }}, 0)
            as months_overdue
    from ledgers
)

select * from final
