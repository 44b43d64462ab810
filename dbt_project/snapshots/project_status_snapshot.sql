{% snapshot project_status_snapshot %}

{{
    config(
        target_schema='snapshots',
        unique_key='project_code',
        strategy='check',
        check_cols=['disposal_category', 'households_total', 'households_unresettled', 'developer_uscc',
                    'contracted_return_date', 'project_nature'],
    )
}}

select distinct on (project_code)
    project_code,
    period,
    district,
    developer_uscc,
    project_nature,
    disposal_category,
    contracted_return_date,
    households_total,
    households_unresettled,
    ledger_submission_id
from {{ ref('int_projects_in_force') }}
order by project_code, period desc

{% endsnapshot %}
