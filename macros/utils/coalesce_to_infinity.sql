{#
    An open-ended timestamp (a visit not yet exited, a version still valid) as the far future, so
    range conditions (entered_at <= day and exited_or_open_at > day) need no null branch.
#}
{% macro coalesce_to_infinity(timestamp_expression) -%}
    coalesce({{ timestamp_expression }}, cast('9999-12-31' as {{ dbt.type_timestamp() }}))
{%- endmacro %}
