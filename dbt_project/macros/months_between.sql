{#- Whole months from one date to a later one (negative when the second is earlier). -#}
{% macro months_between(start_date, end_date) -%}
    (
        (extract(year from age({{ end_date }}, {{ start_date }})) * 12
        + extract(month from age({{ end_date }}, {{ start_date }})))::integer
    )
{%- endmacro %}
