-- noqa: disable=LT02
{#- Planner statistics kept in step with what a build writes and reads. Autovacuum analyses a table only
    after a tenth of it has changed: never for one month appended to a table of many. A model filtering on
    that month (`only_periods_to_build`) would be planned for one row of it, and a join of two such inputs
    then runs as nested loops over hundreds of thousands of rows (minutes instead of a second). -#}

{#- `on-run-start` of a build or run: the raw tables the intake appends to, before any model reads them
    (about a second for a city's two years). -#}
{% macro analyze_raw_sources() -%}
    {%- set statements = [] -%}
    {%- if execute and flags.WHICH in ('build', 'run') -%}
        {%- for source in graph.sources.values() if source.schema == 'raw' -%}
            {%- set relation = adapter.get_relation(
                database=source.database, schema=source.schema, identifier=source.identifier
            ) -%}
            {%- if relation is not none -%}
                {%- do statements.append('analyze ' ~ relation) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {{ statements | join(';\n') if statements else 'select 1' }}
{%- endmacro %}

{#- A post-hook of every model stored as a table, and of seeds: its own statistics, before the next model is
    planned. A seed reloaded whole has none until autovacuum comes by: a six-row vocabulary is
    then planned as hundreds of rows, every join with it multiplies the estimate, and a household-sized
    input ends up hashed in thousands of batches (a model taking 3x its time). -#}
{% macro analyze_after_build() -%}
    {%- if config.get('materialized') in ('table', 'incremental', 'seed') -%}
        analyze {{ this }}
    {%- endif -%}
{%- endmacro %}
