{#- The last day of a reporting month 'YYYY-MM'. -#}
{% macro period_end(period) -%}
    (to_date({{ period }} || '-01', 'YYYY-MM-DD') + interval '1 month' - interval '1 day')::date
{%- endmacro %}
