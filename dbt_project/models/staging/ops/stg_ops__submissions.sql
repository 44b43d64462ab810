with

source as (select * from {{ source('ops', 'submission') }}),

in_force as (select * from {{ source('ops', 'submission_in_force') }}),

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
        submission_id in (select in_force.submission_id from in_force) as is_current
    from source
)

select * from renamed
