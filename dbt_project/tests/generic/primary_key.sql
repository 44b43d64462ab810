{#- A compound primary key: no two rows share the same values in all the given columns. A table whose key
    PostgreSQL holds (`unique_key_index`, macros/unique_key.sql) is not read: the index check is a constant
    the planner evaluates first, and the grouping below it then never runs. -#}
{% test unique_combination(model, columns) %}

select
    {{ columns | join(', ') }},
    count(*) as occurrences
from {{ model }}
where not {{ unique_index_exists(tested_relation(model), columns) }}
group by {{ columns | join(', ') }}
having count(*) > 1

{% endtest %}
