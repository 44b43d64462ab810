{#- True for rows of the submission in force: the latest accepted file of its source, dataset and period. -#}
{% macro in_force(submission_id) -%}
    {{ submission_id }} in (
        select current_submissions.submission_id
        from {{ ref('stg_ops__submissions') }} as current_submissions
        where current_submissions.is_current
    )
{%- endmacro %}
