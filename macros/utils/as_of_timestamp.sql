{#
    The moment "now" for rules such as "not in the future": var('as_of') when set (reproducible
    rebuilds of history), else the start of this dbt run, in UTC.
#}
{% macro as_of_timestamp() -%}
    {%- if var('as_of', none) -%}
        timestamp '{{ var("as_of") }}'
    {%- else -%}
        timestamp '{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S") }}'
    {%- endif -%}
{%- endmacro %}
