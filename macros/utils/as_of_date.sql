{#
    The data's "today" when the user fixed it: var('as_of_date') as a date literal, else a typed
    null, so a model writes coalesce({{ as_of_date() }}, <its own fallback>) - usually the last
    placed_date. Rebuilding with the same var gives the same recency, churn, lifecycle and tenure.
#}
{% macro as_of_date() -%}
    {%- if var('as_of_date', none) -%}
        cast('{{ var("as_of_date") }}' as date)
    {%- else -%}
        cast(null as date)
    {%- endif -%}
{%- endmacro %}
