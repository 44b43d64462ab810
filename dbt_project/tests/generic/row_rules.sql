-- sqlfluff:indentation:template_blocks_indent:False
{#- Rules every row must hold, all checked in one read of the model. `rules` maps each rule's name to a SQL
    condition on one row. A row breaks a rule when the condition is false. A null condition holds, as in a
    CHECK constraint: a required value is written `column is not null`, and `column in (...)` leaves a
    missing value to that rule. Each broken rule is one failure row with the number of rows breaking it; the
    values themselves are not echoed.
    Why one test for many rules: on a household table each read of the model is seconds on a full build, and
    each test is a dbt node on every monthly run, while the conditions themselves cost next to nothing. One
    test per rule read a two-year household mart fifteen times.
    (The sqlfluff directive above: the jinja `for` blocks of a test block confuse its indentation rule.) -#}
{% test row_rules(model, rules) %}

with

counted as (
    select
        {% for name, condition in rules.items() %}
            count(*) filter (where ({{ condition }}) is false) as rule_{{ loop.index }}{{ "," if not loop.last }}
        {% endfor %}
    from {{ model }}
)

select
    broken.rule,
    broken.rows_breaking
from counted
cross join lateral (
    values
    {% for name in rules %}
        ({{ dbt.string_literal(name) }}, counted.rule_{{ loop.index }}){{ "," if not loop.last }}
    {% endfor %}
) as broken (rule, rows_breaking)
where broken.rows_breaking > 0

{% endtest %}
