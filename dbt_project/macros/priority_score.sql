{#- The priority score of a project (0-100; see the `priority_score` doc block): households waiting,
    months overdue and petition escalation, each bounded so that no single factor dominates. -#}
{% macro priority_score(households_unresettled, months_overdue, highest_petition_rank, petitioning_households) -%}
    round(
        (
            least(40 * ln(1 + greatest(coalesce({{ households_unresettled }}, 0), 0)) / ln(301), 40)
            + 30 * least(greatest(coalesce({{ months_overdue }}, 0), 0), 120) / 120.0
            + 6 * coalesce({{ highest_petition_rank }}, 0)
            + least(coalesce({{ petitioning_households }}, 0), 6)
        )::numeric,
        1
    )
{%- endmacro %}
