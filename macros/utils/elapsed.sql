{#
    Time elapsed between two timestamps as a fraction: elapsed_days(a, b) = days from a to b,
    elapsed_hours(a, b) = hours, measured to the second (dbt.datediff counts boundaries crossed,
    so a whole-unit datediff would truncate). Negative when b precedes a; null when either is null.
#}
{% macro elapsed_days(start_timestamp, end_timestamp) -%}
    ({{ dbt.datediff(start_timestamp, end_timestamp, 'second') }} / 86400.0)
{%- endmacro %}

{% macro elapsed_hours(start_timestamp, end_timestamp) -%}
    ({{ dbt.datediff(start_timestamp, end_timestamp, 'second') }} / 3600.0)
{%- endmacro %}
