-- noqa: disable=LT02
{#- Planner statistics kept in step with what a build writes and reads. Autovacuum analyses a table only
    after a tenth of it has changed: never for one month appended to a table of many. A model filtering on
    that month (`only_periods_to_build`) would be planned for one row of it, and a join of two such inputs
    then runs as nested loops over hundreds of thousands of rows (minutes instead of a second). -#}

{#- `on-run-start` of a build or run: the raw tables the intake appends to, before any model reads them.
    A month appended changes what `period` and `submission_id` hold (the new month, its files), not how
    the other columns are spread: a table with statistics for every column has just those two analysed
    again (a third of the time: the sample is read, but two columns summed up instead of twenty); one
    lacking any column's statistics (new, emptied, a column added, statistics lost) is analysed whole. -#}
{% macro analyze_raw_sources() -%}
    {%- set statements = [] -%}
    {%- if execute and flags.WHICH in ('build', 'run') -%}
        {%- set described = run_query(tables_with_statistics('raw')).columns[0].values() -%}
        {%- for source in graph.sources.values() if source.schema == 'raw' -%}
            {%- set relation = adapter.get_relation(
                database=source.database, schema=source.schema, identifier=source.identifier
            ) -%}
            {%- if relation is not none -%}
                {%- do statements.append(
                    'analyze ' ~ relation ~ (' (period, submission_id)' if relation.identifier in described else '')
                ) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {{ statements | join(';\n') if statements else 'select 1' }}
{%- endmacro %}

{#- The tables of a schema with statistics for every one of their columns. -#}
{% macro tables_with_statistics(schema) -%}
    select tables.relname
    from pg_catalog.pg_class as tables
    inner join pg_catalog.pg_namespace as schemas on tables.relnamespace = schemas.oid
    where
        schemas.nspname = '{{ schema }}'
        and tables.relkind in ('r', 'p')
        and not exists (
            select 1
            from pg_catalog.pg_attribute as columns
            where
                columns.attrelid = tables.oid
                and columns.attnum > 0
                and not columns.attisdropped
                and not exists (
                    select 1
                    from pg_catalog.pg_stats as stats
                    where
                        stats.schemaname = schemas.nspname
                        and stats.tablename = tables.relname
                        and stats.attname = columns.attname
                )
        )
{%- endmacro %}

{#- A post-hook of every model stored as a table, and of seeds: its own statistics, before the next model is
    planned. A seed reloaded whole has none until autovacuum comes by: a six-row vocabulary is
    then planned as hundreds of rows, every join with it multiplies the estimate, and a household-sized
    input ends up hashed in thousands of batches (a model taking 3x its time). An incremental run of an
    incremental model (the months it rebuilt are known: `periods_to_build`) analyses `period` and
    `built_at` alone: the months rewritten change which months and builds the table holds (each build a
    new `built_at`, which the tests of changed rows filter on), not how its other columns are spread, and
    the whole table's analysis took longer than building the month (0.8 s for 12,000 rows of 129 columns). -#}
{% macro analyze_after_build() -%}
    {%- if config.get('materialized') in ('table', 'incremental', 'seed') -%}
        analyze {{ this }}
        {%- if periods_to_build_known() %} (period, built_at){% endif %}
    {%- endif -%}
{%- endmacro %}
