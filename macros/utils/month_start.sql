{#
    The first day of the month of a date or timestamp, as a date: the monthly grain key of every
    monthly mart (month_start_date). dbt's date_trunc keeps the input type (a timestamp stays a
    timestamp), so the cast lives here once.
#}
{% macro month_start(expression) -%}
    cast({{ dbt.date_trunc('month', expression) }} as date)
{%- endmacro %}
