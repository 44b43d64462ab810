-- noqa: disable=LT02
{#- One row per dbt invocation that builds or tests (`on-run-start`): which command, what it selected, when.
    Operations read it to see what a run rebuilt; the tests hold `build_marts` to one `dbt build` per run.
    Nothing is written where the platform's register does not exist (a bare database).
    Its time is taken after the file decisions being committed have committed (the lock protocol:
    `resettle.intake.locks.hold_decisions_lock`, class 1381192707, key 0) and is the `built_at` of every row
    the build writes (`build_started_at`). One time for the whole build, not one per model: a file accepted
    between two models would otherwise be missed by the first and read by the second, and the second,
    already later than the file, would keep the first's old figures once the first rebuilt the month. -#}
{% macro record_invocation() -%}
    {%- set log_table = adapter.get_relation(database=target.database, schema='ops', identifier='dbt_invocation') -%}
    {%- if execute and log_table is not none -%}
        {%- set selected = (invocation_args_dict.get('select') or []) | join(' ') -%}
        do $decisions$
        begin
            perform pg_advisory_lock(1381192707, 0);
            perform pg_advisory_unlock(1381192707, 0);
        end
        $decisions$;
        insert into {{ log_table }} (invocation_id, command, selected, full_refresh, started_at)
        values ('{{ invocation_id }}', '{{ flags.WHICH }}', {{ dbt.string_literal(selected) }},
                {{ 'true' if flags.FULL_REFRESH else 'false' }}, clock_timestamp())
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

{#- `built_at` of the rows a model writes: when this invocation began building (`record_invocation` above), one
    time for the whole build; the transaction's own time where the invocation was not recorded. -#}
{% macro build_started_at() -%}
    coalesce({{ invocation_started_at() }}, now())
{%- endmacro %}

{#- When this invocation began (`record_invocation`), as a scalar subquery: null where it was not recorded. -#}
{% macro invocation_started_at() -%}
    (select started_at from ops.dbt_invocation where invocation_id = '{{ invocation_id }}')
{%- endmacro %}
