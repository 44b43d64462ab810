-- noqa: disable=LT02
{#- A table's key held by PostgreSQL: a unique index on the key columns in which nulls count as equal (what a
    `group by` of the key does). Rows that would break the key fail the model's build (or a month's insert)
    with the duplicated key named, and `unique_combination` then need not read the table: a household table
    of two years is 4.8M rows to group, about 6 s per test and build. -#}

{#- A post-hook of a table with a key: creates the index once; later builds of an incremental model keep it.
    Unnamed, so that a full refresh does not meet the name on the table it replaces (kept until the end). -#}
{% macro unique_key_index(columns) -%}
    do $unique_key$
    begin
        if not {{ unique_index_exists(this, columns) }} then
            create unique index on {{ this }} ({{ columns | join(', ') }}) nulls not distinct;
        end if;
    end
    $unique_key$
{%- endmacro %}

{#- Whether `relation` has a valid unique index, nulls not distinct, whose key columns are among `columns`
    (a key on fewer of them is a key on all of them). `relation` is a relation or its rendered name. -#}
{% macro unique_index_exists(relation, columns) -%}
    exists (
        select 1
        from pg_catalog.pg_index as i
        where
            i.indrelid = to_regclass({{ dbt.string_literal(relation | string) }})
            and i.indisunique
            and i.indisvalid
            and i.indnullsnotdistinct
            and i.indpred is null
            and i.indexprs is null
            and (
                select array_agg(a.attname::text)
                from pg_catalog.pg_attribute as a
                where a.attrelid = i.indrelid and a.attnum = any(i.indkey::int2 [])
            ) <@ array[{% for column in columns %}'{{ column }}'{{ ", " if not loop.last }}{% endfor %}]::text []
    )
{%- endmacro %}
