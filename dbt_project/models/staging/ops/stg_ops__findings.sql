with

source as (select * from {{ source('ops', 'finding') }}),

renamed as (
    select
        submission_id::text || '-' || finding_no::text as finding_id,
        submission_id,
        finding_no,
        severity,
        check_name,
        excel_row,
        column_header,
        value,
        message_zh
    from source
)

select * from renamed
