{#- The rank of a petition level (区 1, 市 2, 省 3, 进京 4; none 0), and back: comparing levels by rank. -#}
{% macro petition_rank(level) -%}
    case {{ level }}
        when '进京' then 4
        when '省' then 3
        when '市' then 2
        when '区' then 1
        else 0
    end
{%- endmacro %}

{% macro petition_level_of_rank(rank) -%}
    case {{ rank }}
        when 4 then '进京'
        when 3 then '省'
        when 2 then '市'
        when 1 then '区'
    end
{%- endmacro %}
