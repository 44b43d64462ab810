-- noqa: disable=LT02
{#- The reporting months an incremental model must (re)build, as a SQL list for `period in ...`, decided when
    the model runs: months it does not hold yet, and any month with a file accepted since the model last
    built that month (a district's correction or resubmission). Everything else is left as built, so a
    monthly run reads the new month, not every month again. Two kinds of model need more, and say so in
    their `meta`:
    * `reads_earlier_months`: a month's figures read earlier months (the category last month, months
      without progress), so every month after the earliest one being rebuilt is rebuilt too;
    * `as_of_build_date`: a figure is as of the day of the build (days overdue) until its month is over, so
      a month last built before it ended (Beijing time) is built again, once.
    On a first or full-refresh build the filter is not used. -#}
{% macro periods_to_build() -%}
    {%- set submissions = ref('stg_ops__submissions') -%}
    {%- if execute and is_incremental() -%}
        {%- set node = _run_node() -%}
        {%- if '_periods_to_build' not in node -%}
            {%- set query -%}
                with months as (
                    select
                        period,
                        max(processed_at) as last_accepted_at
                    from {{ submissions }}
                    where is_current
                    group by period
                ),

                held as (
                    select
                        months.period,
                        months.last_accepted_at,
                        built.built_at
                    from months
                    {# One index probe per month on a large model, not a scan of every month it holds. The
                       month is bounded on both sides rather than compared with `=`: with `=`, `min(built_at)`
                       may be planned on the model's index on `built_at` alone, walking it until a row of that
                       month turns up, which after a full build (one `built_at` for every row) reads half of a
                       household table per month (10 s instead of 1 ms). Every incremental model replaces whole
                       months (`delete_periods_to_build`, then one insert of the months built), so all
                       of a month's rows share one `built_at` and any of them answers: the first on any index
                       that starts with `period` (the household tables' key). #}
                    left join lateral (
                        select model_rows.built_at
                        from {{ this }} as model_rows
                        where model_rows.period >= months.period and model_rows.period <= months.period
                        order by model_rows.period
                        limit 1
                    ) as built on true
                ),

                changed as (
                    select period
                    from held
                    where
                        built_at is null
                        or last_accepted_at > built_at
                        {%- if config.meta_get('as_of_build_date', false) %}
                            or built_at < ({{ period_end('period') }} + 1)::timestamp at time zone 'Asia/Shanghai'
                        {%- endif %}
                )

                select period
                from held
                where
                    period in (select changed.period from changed)
                    {%- if config.meta_get('reads_earlier_months', false) %}
                        or period > (select min(changed.period) from changed)
                    {%- endif %}
                order by period
            {%- endset -%}
            {%- do node.update({'_periods_to_build': run_query(query).columns[0].values()}) -%}
        {%- endif -%}
        {%- set periods = node['_periods_to_build'] -%}
        {%- if periods -%}
            ('{{ periods | join("', '") }}')
        {%- else -%}
            (null)
        {%- endif -%}
    {%- else -%}
        (null)
    {%- endif -%}
{%- endmacro %}

{#- Whether this model's run asked which months to build (an incremental run of an incremental model). -#}
{% macro periods_to_build_known() -%}
    {%- do return(_run_node().get('_periods_to_build') is not none) -%}
{%- endmacro %}

{#- Where `periods_to_build` keeps its answer, asked once per model run, before the months are deleted: the
    model's node of the invocation's graph, which the model's compilation and its hooks (run in another
    context, with another `model`) both read. -#}
{% macro _run_node() -%}
    {%- do return(graph.nodes.get(model.unique_id, model)) -%}
{%- endmacro %}

{#- `where period in <periods to build>` on an incremental run; nothing on a full build. -#}
{#- The ref is taken unconditionally so that dbt records the dependency when it parses the model. -#}
{% macro only_periods_to_build(column='period') -%}
    {%- set submissions = ref('stg_ops__submissions') -%}
    {%- if is_incremental() -%}
        where {{ column }} in {{ periods_to_build() }}
    {%- endif -%}
{%- endmacro %}

{#- A pre-hook of every model (dbt_project.yml), empty but for an incremental run of an incremental model:
    deletes the months about to be rebuilt, in the transaction that appends them again (the `append`
    strategy). Every month to build is deleted, also one that now comes out empty (every petition case of
    a corrected month matched, say), which dbt's delete+insert, deleting the months present in what it
    inserts, would leave with the rows of its earlier build. -#}
{% macro delete_periods_to_build() -%}
    {%- if is_incremental() -%}
        delete from {{ this }} where period in {{ periods_to_build() }}
    {%- endif -%}
{%- endmacro %}
