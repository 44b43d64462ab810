-- sqlfluff:indentation:template_blocks_indent:False
{#- Rows whose value lies outside [min_value, max_value]. With `required`, a missing value breaks it too:
    one test instead of this one and a `not_null` beside it, which would be one more dbt node on every build
    reading the model. -#}
{% test within_range(model, column_name, min_value, max_value, required=false) %}
select {{ column_name }}
from {{ model }}
where
    {{ column_name }} < {{ min_value }}
    or {{ column_name }} > {{ max_value }}
{%- if required %}
    or {{ column_name }} is null
{%- endif %}
{% endtest %}
