with

source as (select * from {{ source('ops', 'submission') }}),

renamed as (
    select
        submission_id,
        source,
        dataset,
        period,
        file_name,
        sha256,
        received_at,
        processed_at,
        status,
        rows_total,
        rows_valid,
        errors,
        warnings,
        message_zh,
        superseded_by,
        status in ('accepted', 'accepted_with_warnings') as is_current
    from source
)

select * from renamed
