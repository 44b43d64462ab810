with

source as (select * from {{ source('ops', 'alert') }}),

renamed as (
    select
        alert_id,
        condition_key,
        kind,
        source,
        dataset,
        period,
        submission_id,
        title_zh,
        message_zh,
        recipients,
        channel_results,
        sent_at,
        resolved_at
    from source
)

select * from renamed
