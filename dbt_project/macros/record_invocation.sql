-- noqa: disable=LT02
{#- One row per dbt invocation that builds or tests (`on-run-start`): which command, what it selected, when.
    Operations read it to see what a run rebuilt; the tests hold `build_marts` to one `dbt build` per run.
    Nothing is written where the platform's register does not exist (a bare database). -#}
{% macro record_invocation() -%}
    {%- set log_table = adapter.get_relation(database=target.database, schema='ops', identifier='dbt_invocation') -%}
    {%- if execute and log_table is not none -%}
        {%- set selected = (invocation_args_dict.get('select') or []) | join(' ') -%}
        insert into {{ log_table }} (invocation_id, command, selected, full_refresh)
        values ('{{ invocation_id }}', '{{ flags.WHICH }}', {{ dbt.string_literal(selected) }},
                {{ 'true' if flags.FULL_REFRESH else 'false' }})
        on conflict (invocation_id) do nothing
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}

{#- The invocation's outcome (`on-run-end`): nodes run, how many failed or errored, when it ended. -#}
{% macro record_invocation_end(results) -%}
    {%- set log_table = adapter.get_relation(database=target.database, schema='ops', identifier='dbt_invocation') -%}
    {%- if execute and log_table is not none -%}
        {%- set failed = results | selectattr('status', 'in', ['error', 'fail']) | list | length -%}
        update {{ log_table }}
        set nodes = {{ results | length }}, failed = {{ failed }}, finished_at = now()
        where invocation_id = '{{ invocation_id }}'
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}
