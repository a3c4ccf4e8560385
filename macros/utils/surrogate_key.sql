{#
    A deterministic text key from several columns (md5 of the values joined with '-', nulls
    as a sentinel), like dbt_utils.generate_surrogate_key, which cannot be installed here.
#}
{% macro surrogate_key(columns) -%}
    md5(
        {%- for column in columns %}
        coalesce(cast({{ column }} as {{ dbt.type_string() }}), '_null_')
        {%- if not loop.last %} || '-' || {% endif -%}
        {% endfor %}
    )
{%- endmacro %}
