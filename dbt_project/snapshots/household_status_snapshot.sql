{% snapshot household_status_snapshot %}

{#- Described and tested in household_status_snapshot.yml. The selection (each household's latest reported
    month) is the model int_households_latest_status, so it is linted and tested like any model; the
    snapshot block itself stays in SQL because dbt's partial parsing can drop YAML-only snapshots
    (dbt-labs/dbt-core#10903). -#}

{{
    config(
        schema='snapshots',
        unique_key='household_code',
        strategy='check',
        check_cols=[
            'is_resettled',
            'resettled_date',
            'resettlement_choice',
            'agreement_type',
            'unit_code',
            'petition_level',
        ],
    )
}}

select * from {{ ref('int_households_latest_status') }}

{% endsnapshot %}
