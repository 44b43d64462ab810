{#- Every alert sent, readable on the dashboard: what, to whom (how many), whether every channel that was tried
    (not skipped for want of a connection or recipients) delivered it. -#}
with

alerts as (select * from {{ ref('stg_ops__alerts') }}),

sources as (select * from {{ ref('sources') }}),

kind_zh as (
    select *
    from (
        values
        ('reminder', '报送提醒'),
        ('late', '逾期未报'),
        ('escalation', '逾期升级'),
        ('invalid', '数据退回'),
        ('pipeline', '系统运行'),
        ('supervision', '督办逾期'),
        ('warned', '数据提示')
    ) as labels (kind, kind_zh)
),

channels as (
    select
        alerts.alert_id,
        bool_and(results.result ->> 'status' = 'sent')
        filter (where results.result ->> 'status' != 'skipped') as channels_ok
    from alerts
    cross join lateral jsonb_each(alerts.channel_results) as results (channel, result)
    where jsonb_typeof(alerts.channel_results) = 'object'
    group by alerts.alert_id
),

final as (
    select
        alerts.alert_id,
        alerts.condition_key,
        alerts.kind,
        kind_zh.kind_zh,
        alerts.source,
        sources.source_name_zh,
        case when sources.source_kind = 'district' then alerts.source end as district,
        alerts.dataset,
        alerts.period,
        alerts.title_zh,
        alerts.message_zh,
        case
            when jsonb_typeof(alerts.recipients) = 'array' then jsonb_array_length(alerts.recipients) else 0
        end as recipient_count,
        coalesce(channels.channels_ok, false) as channels_ok,
        alerts.sent_at,
        alerts.resolved_at,
        alerts.resolved_at is null as is_open
    from alerts
    left join sources on alerts.source = sources.source
    left join kind_zh on alerts.kind = kind_zh.kind
    left join channels on alerts.alert_id = channels.alert_id
)

select * from final
