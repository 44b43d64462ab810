with

records as (select * from {{ ref('int_company_records') }}),

final as (
    select
        period,
        dataset,
        record_key,
        company_uscc,
        company_name,
        submission_id,
        source_row
    from records
    where match_method = 'unmatched'
)

select * from final
