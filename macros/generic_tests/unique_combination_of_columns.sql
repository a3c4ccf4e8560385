{#
    Fails with one row per combination of the given columns that occurs more than once.
#}
{% test unique_combination_of_columns(model, combination_of_columns) %}

{%- if combination_of_columns is string -%}
    {%- set combination_of_columns = [combination_of_columns] -%}
{%- endif -%}
{%- set column_list = combination_of_columns | join(",\n        ") -%}

select
    {{ column_list }},
    count(*) as duplicate_rows
from {{ model }}
group by
    {{ column_list }}
having count(*) > 1

{% endtest %}
