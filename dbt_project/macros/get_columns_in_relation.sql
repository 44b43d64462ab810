-- noqa: disable=LT02
{#- dbt-postgres's own query, with an array column's real type. The information schema names every array
    type `ARRAY`, which is not a type: dbt's unit tests then cast a fixture's missing array column as
    `ARRAY` (a syntax error, so no model reading a mart with flag codes could be unit tested), and a column
    added to an incremental model (`append_new_columns`) would be declared as `ARRAY` too. The element type
    is in `udt_name` (`_text` for `text[]`). -#}
{% macro postgres__get_columns_in_relation(relation) -%}
    {% call statement('get_columns_in_relation', fetch_result=True) %}
        select
            column_name,
            case when data_type = 'ARRAY' then substr(udt_name, 2) || '[]' else data_type end as data_type,
            character_maximum_length,
            numeric_precision,
            numeric_scale
        from {{ relation.information_schema('columns') }}
        where
            table_name = '{{ relation.identifier }}'
            {% if relation.schema %}
                and table_schema = '{{ relation.schema }}'
            {% endif %}
        order by ordinal_position
    {% endcall %}
    {% set table = load_result('get_columns_in_relation').table %}
    {{ return(sql_convert_columns_in_relation(table)) }}
{%- endmacro %}
