-- noqa: disable=LT02
{#- The reporting months an incremental model must (re)build, as a SQL list for `period in ...`, decided when
    the model runs: months it does not hold yet, the latest month it holds (a month is rebuilt until the
    next one arrives), and any earlier month with a file accepted since the model last built that month (a
    district's correction). Everything else is left as built, so a monthly run reads one month, not all.
    On a first or full-refresh build the filter is not used. -#}
{% macro periods_to_build() -%}
    {%- set submissions = ref('stg_ops__submissions') -%}
    {%- if execute and is_incremental() -%}
        {%- if '_periods_to_build' not in model -%}
            {%- set query -%}
                with built as (
                    select period, min(built_at) as built_at from {{ this }} group by period
                )
                select distinct submissions.period
                from {{ submissions }} as submissions
                left join built on submissions.period = built.period
                where
                    submissions.is_current
                    and (
                        built.period is null
                        or submissions.processed_at > built.built_at
                        or submissions.period >= (select max(built.period) from built)
                    )
                order by submissions.period
            {%- endset -%}
            {#- Asked once per model run: each import CTE filtering on it reads the answer kept on `model`. -#}
            {%- do model.update({'_periods_to_build': run_query(query).columns[0].values()}) -%}
        {%- endif -%}
        {%- set periods = model['_periods_to_build'] -%}
        {%- if periods -%}
            ('{{ periods | join("', '") }}')
        {%- else -%}
            (null)
        {%- endif -%}
    {%- else -%}
        (null)
    {%- endif -%}
{%- endmacro %}

{#- `where period in <periods to build>` on an incremental run; nothing on a full build. -#}
{#- The ref is taken unconditionally so that dbt records the dependency when it parses the model. -#}
{% macro only_periods_to_build(column='period') -%}
    {%- set submissions = ref('stg_ops__submissions') -%}
    {%- if is_incremental() -%}
        where {{ column }} in {{ periods_to_build() }}
    {%- endif -%}
{%- endmacro %}
