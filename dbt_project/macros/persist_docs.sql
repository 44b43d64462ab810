-- noqa: disable=LT02
{#- dbt's `persist_docs` (`+persist_docs` in dbt_project.yml: the descriptions as PostgreSQL comments, for
    whoever reads the warehouse directly), in one statement instead of four. dbt-postgres reads the
    relation's columns from information_schema twice before commenting on them, each a query of its own on
    the fresh connection dbt opens per node: about a tenth of a small build's time. Here the columns are
    matched in the catalog by the statement that comments on them, so a documented column the relation does
    not have is skipped as dbt skips it (tests/integration/test_dbt_project.py holds that every documented
    column exists, which dbt only warned about). -#}
{% macro postgres__persist_docs(relation, model, for_relation=true, for_columns=true) -%}
    {%- set statements = [] -%}
    {%- if for_relation and config.persist_relation_docs() and model.description -%}
        {%- do statements.append(alter_relation_comment(relation, model.description)) -%}
    {%- endif -%}
    {%- if for_columns and config.persist_column_docs() and model.columns -%}
        {%- set described = [] -%}
        {%- for name, column in model.columns.items() -%}
            {%- if '$persist_docs$' in (column.description or '') -%}
                {%- do exceptions.raise_compiler_error('The string $persist_docs$ is not allowed in comments.') -%}
            {%- endif -%}
            {%- do described.append(
                '(' ~ dbt.string_literal(name | replace("'", "''")) ~ ', '
                ~ postgres_escape_comment(column.description or '') ~ ')'
            ) -%}
        {%- endfor -%}
        {%- set target = dbt.string_literal(relation.include(database=false) | string) -%}
        {%- set column_comments -%}
            do $persist_docs$
            declare
                documented record;
            begin
                for documented in
                    select attribute.attname, described.comment
                    from (values {{ described | join(', ') }}) as described (name, comment)
                    inner join pg_catalog.pg_attribute as attribute
                        on
                            attribute.attrelid = {{ target }}::regclass
                            and attribute.attname = described.name
                            and attribute.attnum > 0
                            and not attribute.attisdropped
                loop
                    execute format(
                        'comment on column %s.%I is %L', {{ target }}, documented.attname,
                        documented.comment
                    );
                end loop;
            end
            $persist_docs$;
        {%- endset -%}
        {%- do statements.append(column_comments) -%}
    {%- endif -%}
    {%- if statements -%}
        {%- do run_query(statements | join('\n')) -%}
    {%- endif -%}
{%- endmacro %}
