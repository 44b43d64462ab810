{#- Reporting rate and on-time rate per source and month, as DHIS2 counts them: of the datasets a source
    must send, how many arrived, were accepted, accepted on time, or are missing. -#}
with

expected as (select * from {{ ref('int_expected_submissions') }}),

per_source as (
    select
        source,
        period,
        min(source_name_zh) as source_name_zh,
        min(source_kind) as source_kind,
        max(due_at) as due_at,
        bool_or(is_extended) as is_extended,
        max(extension_granted_by) as extension_granted_by,
        max(extension_reason) as extension_reason,
        bool_and(is_due) as is_due,
        count(*) as expected,
        count(*) filter (where state != 'missing') as received,
        count(*) filter (where state = 'complete') as accepted,
        count(*) filter (where state = 'rejected') as rejected,
        count(*) filter (where is_on_time) as on_time,
        count(*) filter (where not is_on_time) as late,
        count(*) filter (where state = 'missing') as missing,
        max(days_late) as days_late
    from expected
    group by source, period
),

final as (
    select
        source,
        source_name_zh,
        source_kind,
        case when source_kind = 'district' then source end as district,
        period,
        due_at,
        is_extended,
        extension_granted_by,
        extension_reason,
        is_due,
        expected,
        received,
        accepted,
        rejected,
        on_time,
        late,
        missing,
        days_late,
        round(100.0 * accepted / expected, 1) as reporting_rate,
        round(100.0 * on_time / expected, 1) as on_time_rate
    from per_source
)

select * from final
