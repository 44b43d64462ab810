{#- `coalesce(<relation>.<column>, <default>) as <prefix><column>` for each column, comma-separated: the
    figures of a left-joined relation, counted zero where it has no row for the key. -#}
{% macro zero_when_missing(relation, columns, prefix='', default=0) -%}
    {%- for column in columns -%}
        coalesce({{ relation }}.{{ column }}, {{ default }}) as {{ prefix }}{{ column }}
        {%- if not loop.last %}, {% endif -%}
    {%- endfor -%}
{%- endmacro %}

{#- The court's figures of a developer or a project (int_developer_cases, int_project_department_facts),
    named alike wherever they are carried. -#}
{% macro court_figures() -%}
    {{ return(['court_cases', 'court_cases_open', 'court_claim_amount', 'seized_asset_value', 'auction_proceeds']) }}
{%- endmacro %}

{#- The figures int_project_feeds counts per project from each feed, carried as they are into
    project_joint_review. -#}
{% macro certificate_figures() -%}
    {{ return([
        'certificates_needed', 'certificates_issued', 'certificates_pending', 'certificates_not_applied',
        'certificates_blocked', 'certificates_blocked_by_tax',
    ]) }}
{%- endmacro %}

{% macro petition_figures() -%}
    {{ return([
        'petitions_open', 'petitions_new', 'petitions_closed', 'petitions_open_district', 'petitions_open_city',
        'petitions_open_province', 'petitions_open_beijing', 'petition_persons', 'mass_petitions_open',
        'petitions_without_handler',
    ]) }}
{%- endmacro %}

{% macro repayment_figures() -%}
    {{ return([
        'repayment_agreements', 'repayment_agreed', 'repayment_repaid', 'repayments_overdue',
        'repayment_overdue_amount',
    ]) }}
{%- endmacro %}
