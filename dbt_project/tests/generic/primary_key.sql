{#- A primary key: every row has a value in each of the key's columns, and no two rows share them. Given as
    `columns` on a model, or on a column (a key of that one column; a seed's other identifying columns, such
    as a label shown in Chinese, use it too: one test where `unique` and `not_null` would be two). Each
    failing key is listed with its rows and the problem. A table whose key PostgreSQL holds (`hold_primary_key`,
    macros/primary_key.sql) is not read: the catalog check is a constant the planner evaluates first, and the
    grouping below it never runs. -#}
{% test primary_key(model, columns=none, column_name=none) %}
{% set key = columns if columns else [column_name] %}

select
    {{ key | join(', ') }},
    count(*) as occurrences,
    case when count(*) > 1 then 'duplicated key' else 'missing key value' end as problem
from {{ model }}
where not {{ primary_key_held(tested_relation(model), key) }}
group by {{ key | join(', ') }}
having count(*) > 1 or bool_or({% for column in key %}{{ column }} is null{{ " or " if not loop.last }}{% endfor %})

{% endtest %}
