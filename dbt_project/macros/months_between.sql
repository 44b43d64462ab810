{#- Whole months from one date to another, as PostgreSQL's `age()` counts them (negative when the second date is
    earlier), from the dates' `month_key`s. age() builds an interval and `extract` reads it as numeric: about
    2 µs a row, and a model referring to the count twice pays it twice (the planner repeats an expression
    wherever a query it flattened refers to it). On a two-year household table that was seconds. -#}
{% macro months_between(start_date, end_date) -%}
    {{ months_between_keys(month_key(start_date), month_key(end_date)) }}
{%- endmacro %}

{#- A date as one integer, year × 1200 + month × 100 + day. Keys order as their dates do, and two keys'
    difference divided by 100 (integer division, which truncates toward zero) is the whole months between
    the dates: a day of the month below the start's takes one month off exactly as age() borrows it, and
    the day part (at most 30 either way) never reaches 100. A model comparing many rows with a few dates
    (a project's, a month's end) computes those dates' keys once, on the few rows. -#}
{% macro month_key(date) -%}
    (date_part('year', {{ date }}) * 1200 + date_part('month', {{ date }}) * 100 + date_part('day', {{ date }}))::integer
{%- endmacro %}

{% macro months_between_keys(start_key, end_key) -%}
    (({{ end_key }} - {{ start_key }}) / 100)
{%- endmacro %}
