-- sqlfluff:indentation:template_blocks_indent:False
{#- No clear personal data in a model: no column named like a roster's personal column, and no value in any
    column, read as text (numbers too: an ID that became a number is still an ID), that looks like a resident
    ID number (18 characters, or a first-generation 15 digits), an 11-digit mobile number or a landline with
    its area code. Masked values (`230404********1234`, `132****7795`, `0468-***0192`) pass, and so does a
    longer run of letters and digits such as a pseudonym. A failure names the column and the kind of number
    and counts the rows: the values themselves are never echoed into logs or stored failures.
    One regular expression runs over all of a row's cells at once (joined by a separator that is a word edge),
    so a clean table is read once; only rows that match are taken apart column by column. Every number looked
    for has seven digits in a row after a word edge (a landline's dash is one): that cheaper expression is
    tried first, and the full one only on the few rows that pass it (half the time on a household table).
    (The sqlfluff directive above: the jinja `set` lines of a test block confuse its indentation rule.) -#}
{% test no_personal_data(model, forbidden_columns=['head_name', 'id_number', 'phone'], held_to_vocabularies=[]) %}

{#- The columns of what is tested (`model` may be a filtered subquery, see changed_rows.sql). Values of a type
    whose text never holds seven digits in a row (every number looked for has them: truth values, dates,
    times, 32-bit integers, which cannot reach 11 digits or start with 0) are not read: on a month of a
    household mart they are half the columns and half the time. Nor are the columns the model's own tests
    hold to a vocabulary (`held_to_vocabularies`: a relationship to a seed, a rule listing the values): a
    number in one of them fails that test. -#}
{% set columns = get_column_schema_from_query('select * from ' ~ model) if execute else [] %}
{% set column_names = columns | map(attribute='name') | list %}
{% set forbidden_present = column_names | map('lower') | select('in', forbidden_columns) | list %}
{% set digit_free_types = ['BOOLEAN', 'DATE', 'DATETIME', 'DATETIMETZ', 'TIME', 'INTERVAL', 'INTEGER'] %}
{% set checked_columns = columns | rejectattr('dtype', 'in', digit_free_types) | map(attribute='name')
    | reject('in', held_to_vocabularies) | list %}
{% set edge_start = "(^|[^0-9A-Za-z])" %}
{% set edge_end = "($|[^0-9A-Za-z])" %}

with

forbidden_columns as (
    select
        null::text as column_name,
        null::text as problem,
        null::bigint as rows_found
    where false
    {% for name in forbidden_present %}
        union all
        select
            '{{ name }}' as column_name,
            'personal column in the model' as problem,
            null::bigint as rows_found
    {% endfor %}
),

suspect_rows as (
    {% if checked_columns %}
        select checked.*
        from (
            select
                model_rows.*,
                concat_ws(
                    ' | ',
                    {%- for name in checked_columns %}
                        model_rows.{{ adapter.quote(name) }}::text{{ "," if not loop.last }}
                    {%- endfor %}
                ) as all_cells
            from (select * from {{ model }}) as model_rows
        ) as checked
        where
            checked.all_cells ~ '{{ edge_start }}[0-9]{7}'
            and checked.all_cells
            ~ '{{ edge_start }}([0-9]{15}([0-9]{2}[0-9Xx])?|1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8}){{ edge_end }}'
    {% else %}
        select null::text as nothing
        where false
    {% endif %}
),

suspect_values as (
    {% if checked_columns %}
        select
            cells.column_name,
            case
                when cells.value ~ '{{ edge_start }}[0-9]{15}([0-9]{2}[0-9Xx])?{{ edge_end }}'
                    then 'resident ID number'
                when cells.value ~ '{{ edge_start }}1[3-9][0-9]{9}{{ edge_end }}'
                    then 'mobile number'
                when cells.value ~ '{{ edge_start }}0[0-9]{2,3}-?[0-9]{7,8}{{ edge_end }}'
                    then 'landline number'
            end as problem
        from suspect_rows as checked
        cross join lateral (
            values
            {%- for name in checked_columns %}
                ('{{ name }}', checked.{{ adapter.quote(name) }}::text){{ "," if not loop.last }}
            {%- endfor %}
        ) as cells (column_name, value)
    {% else %}
        select
            null::text as column_name,
            null::text as problem
        where false
    {% endif %}
),

found_values as (
    select
        column_name,
        problem,
        count(*) as rows_found
    from suspect_values
    where problem is not null
    group by column_name, problem
)

select * from forbidden_columns
union all
select * from found_values

{% endtest %}
