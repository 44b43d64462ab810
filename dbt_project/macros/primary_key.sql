-- noqa: disable=LT02
{#- A table's primary key held by PostgreSQL: its key columns NOT NULL and a unique index on them. A row that
    would break the key fails the model's build (or a month's insert) with the column or the duplicated key
    named, and the `primary_key` test then need not read the table: a household table of two years is 4.8M
    rows to group, about 6 s per test and build. -#}

{#- A post-hook of a table with a key: sets its columns NOT NULL and creates the index once; later builds of an
    incremental model keep both and change nothing (no `alter table`, whose lock would make the dashboard's
    readers of the table wait for the build's commit). The index is unnamed, so that a full refresh does not
    meet the name on the table it replaces (kept until the end). -#}
{% macro hold_primary_key(columns) -%}
    do $primary_key$
    begin
        if not {{ key_columns_not_null(this, columns) }} then
            alter table {{ this }}
            {%- for column in columns %}
                alter column {{ column }} set not null{{ "," if not loop.last else ";" }}
            {%- endfor %}
        end if;
        if not {{ unique_index_exists(this, columns) }} then
            create unique index on {{ this }} ({{ columns | join(', ') }}) nulls not distinct;
        end if;
    end
    $primary_key$
{%- endmacro %}

{#- Whether PostgreSQL holds `columns` as the key of `relation` (a relation or its rendered name): each of them
    NOT NULL, and a valid unique index on them or on fewer of them (a key on fewer is a key on all). -#}
{% macro primary_key_held(relation, columns) -%}
    ({{ unique_index_exists(relation, columns) }} and {{ key_columns_not_null(relation, columns) }})
{%- endmacro %}

{#- Whether every one of `columns` of `relation` is declared NOT NULL. -#}
{% macro key_columns_not_null(relation, columns) -%}
    not exists (
        select 1
        from pg_catalog.pg_attribute as a
        where
            a.attrelid = to_regclass({{ dbt.string_literal(relation | string) }})
            and a.attname = any(array[{{ _quoted_names(columns) }}]::text [])
            and not a.attnotnull
    )
{%- endmacro %}

{#- Whether `relation` has a valid unique index, nulls not distinct, whose key columns are among `columns`. -#}
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
            ) <@ array[{{ _quoted_names(columns) }}]::text []
    )
{%- endmacro %}

{% macro _quoted_names(columns) -%}
    {%- for column in columns %}'{{ column }}'{{ ", " if not loop.last }}{% endfor -%}
{%- endmacro %}
