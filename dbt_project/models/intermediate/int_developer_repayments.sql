{{ config(schema='intermediate', materialized='view') }}

{#- Each repayment agreement a developer signed with the service center, as of the month: how much was
    agreed and repaid, and whether the repayment is overdue (the agreed date has passed within or before the
    month and the amount is not repaid in full); the overdue amount is what is still owed. -#}

with

agreements as (select * from {{ ref('stg_housing_center__repayment_agreements') }}),

final as (
    select
        period,
        agreement_no,
        developer_uscc,
        developer_name,
        project_code,
        signed_date,
        due_date,
        amount_agreed,
        amount_repaid,
        last_repaid_date,
        greatest(amount_agreed - amount_repaid, 0) as amount_outstanding,
        due_date <= {{ period_end('period') }} and amount_repaid < amount_agreed as is_overdue,
        submission_id,
        source_row
    from agreements
)

select * from final
