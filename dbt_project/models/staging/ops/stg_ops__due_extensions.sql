with

source as (select * from {{ source('ops', 'due_extension') }}),

in_force as (
    select distinct on (source, period)
        source,
        period,
        due_at,
        granted_by,
        reason,
        granted_at
    from source
    order by source asc, period asc, granted_at desc, extension_id desc
)

select * from in_force
