{#- A company name folded for matching: bracket widths, 有限责任公司 / 有限公司, spaces and case do not matter. -#}
{% macro normalize_company_name(column) -%}
    upper(
        replace(
            replace(
                replace(replace(replace(replace({{ column }}, '（', '('), '）', ')'), ' ', ''), '　', ''),
                '有限责任公司', '有限公司'
            ),
            '股份有限公司', '有限公司'
        )
    )
{%- endmacro %}
