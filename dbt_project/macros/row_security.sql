{#- Re-apply row-level security and grants to a mart after dbt has (re)built it: dbt drops and recreates
    tables, which loses policies and grants. Called as a post-hook, so it runs inside the model's own
    transaction and the new table is never visible without its policies. The rules live in one place,
    access.apply_row_security (created by `resettle.warehouse.access.ensure_roles`); a warehouse where the
    access roles were never set up has no such function, and the marts stay readable by their owner only. -#}
{% macro row_security() -%}
    do $row_security$
    begin
        if to_regprocedure('access.apply_row_security(regclass)') is not null then
            perform access.apply_row_security('{{ this }}'::regclass);
        end if;
    end
    $row_security$
{%- endmacro %}
