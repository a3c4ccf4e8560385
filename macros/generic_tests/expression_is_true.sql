{#
    Fails for every row where the expression is false. With column_name, the expression is
    appended to the column (column_name: amount, expression: ">= 0" tests `amount >= 0`).
    A null result passes, as in dbt_utils; wrap the expression in coalesce() to make it strict.
#}
{% test expression_is_true(model, expression, column_name=none, where=none) %}

{%- set tested_expression = (column_name ~ " " ~ expression) if column_name is not none else expression -%}

select *
from {{ model }}
where
    not ({{ tested_expression }})
    {%- if where is not none %}
    and ({{ where }})
    {%- endif %}

{% endtest %}
