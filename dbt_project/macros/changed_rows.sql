-- noqa: disable=LT02
{#- Data tests read only the rows a run changed, so a monthly run tests one month, not the whole history.

    Tests whose `where` is `__changed_rows__` (all of this project's, see dbt_project.yml) are applied to:
    * a relation with `built_at` (the incremental marts): the rows of its latest build, i.e. every month this
      run rebuilt — the new month and any corrected one;
    * another relation with `period` (staging and intermediate views, and tables rebuilt whole, over all
      months): the latest month with
      an accepted file; earlier months were tested when they were built, a corrected one in the marts;
    * a snapshot, in a `dbt build` or `dbt snapshot`: the versions this invocation wrote (`dbt_valid_from` from
      the time it began, `record_invocation`); each version was tested by the run that wrote it, and a month
      that changes no household's status writes none (every current version was read on every run);
    * anything else (seeds, reference tables, a snapshot in a test run alone): every row.
    A full refresh (`dbt build --full-refresh`) tests every row of everything, except tests whose `where` is
    `__latest_month__`: they read a view's latest month (and a table's latest build) on every run. Those are
    the staging and intermediate models' tests (see dbt_project.yml). A view stores nothing and its rows
    change only when the intake accepts a file: each month was read by these tests when it was the latest,
    and the marts built from the views test every month they rebuild (the household rosters' columns in
    `household_resettlement`, all at once on a full refresh). On a city's two years each of those reads is
    seconds, and a full build would wait for about thirty of them before building the households.
    This is dbt's documented way to customise `where` (overriding get_where_subquery). -#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') -%}
    {%- if where in ('__changed_rows__', '__latest_month__') -%}
        {%- set where = changed_rows_filter(relation, every_run=(where == '__latest_month__')) -%}
    {%- endif -%}
    {%- if where -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ where }}) dbt_subquery
        {%- endset -%}
        {%- do return(filtered) -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}

{#- The relation a test reads, whether `get_where_subquery` gave it whole or as the filtered subquery above. -#}
{% macro tested_relation(model) -%}
    {%- set text = model | string -%}
    {%- if text.startswith('(select * from ') and ' where ' in text -%}
        {%- do return(text[15:].split(' where ')[0]) -%}
    {%- endif -%}
    {%- do return(text) -%}
{%- endmacro %}

{% macro changed_rows_filter(relation, every_run=false) -%}
    {%- if not execute or (flags.FULL_REFRESH and not every_run) -%}
        {%- do return('') -%}
    {%- endif -%}
    {#- Decided from the tested model's node, without a query: a monthly run has a few hundred tests, and a
        catalog query of each (on the fresh connection dbt opens per node) was a tenth of a small build. An
        incremental model is the one kind with `built_at`; a model with `period` documents it
        (tests/integration/test_dbt_project.py holds both). A test on anything else (a source) asks the
        catalog. -#}
    {%- set tested = graph.nodes.get(model.attached_node) if model.attached_node else none -%}
    {%- if relation.schema == 'snapshots' or (tested is not none and tested.resource_type == 'snapshot') -%}
        {%- if flags.WHICH in ('build', 'snapshot') -%}
            {#- Both sides in the session's time zone, as dbt writes `dbt_valid_from` (`now()` as a timestamp
                without time zone); an invocation not recorded tests every version. -#}
            {%- do return("dbt_valid_from >= coalesce(" ~ invocation_started_at() ~ "::timestamp, '-infinity')") -%}
        {%- endif -%}
        {%- do return('') -%}
    {%- endif -%}
    {%- if tested is not none -%}
        {%- set has_built_at = tested.config.materialized == 'incremental' -%}
        {%- set has_period = 'period' in tested.columns -%}
    {%- else -%}
        {%- set probe -%}
            select
                coalesce(bool_or(a.attname = 'built_at'), false) as has_built_at,
                coalesce(bool_or(a.attname = 'period'), false) as has_period
            from pg_catalog.pg_attribute as a
            where
                a.attrelid = to_regclass({{ dbt.string_literal(relation.include(database=false) | string) }})
                and a.attnum > 0
                and not a.attisdropped
        {%- endset -%}
        {%- set found = run_query(probe).rows[0] -%}
        {%- set has_built_at, has_period = found[0], found[1] -%}
    {%- endif -%}
    {%- if has_built_at -%}
        {%- do return('built_at = (select max(built_at) from ' ~ relation ~ ')') -%}
    {%- elif has_period -%}
        {#- The latest month is read from the small register the intake writes (never rebuilt by dbt, so no
            test races a view being replaced), not from the view over all months being tested: its accepted
            files are `ops.submission_in_force` (the statuses come from the `submission_statuses` seed). -#}
        {%- do return('period = (select max(period) from ops.submission_in_force)') -%}
    {%- endif -%}
    {%- do return('') -%}
{%- endmacro %}
