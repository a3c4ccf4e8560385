{#
    Use a custom schema name as-is (`+schema: staging` gives `staging`), instead of dbt's default
    of prefixing it with the target schema (`main_staging`). Without a custom schema, models land
    in target.schema.
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
