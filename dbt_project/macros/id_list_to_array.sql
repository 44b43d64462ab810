{#- Submission ids carried as comma-separated text through the intermediate models (dbt unit tests cannot
    feed array columns), merged into one sorted, distinct bigint array for lineage. -#}
{% macro id_list_to_array(expressions) -%}
    array(
        select distinct ids.id::bigint
        from unnest(string_to_array(concat_ws(',', {{ expressions | join(', ') }}), ',')) as ids (id)
        where ids.id <> ''
        order by 1
    )
{%- endmacro %}
