{#
    on-run-end: a plain `dbt build` writes the candidate warehouse, not the published one users
    read. Say so in one line, so nobody mistakes a built candidate for a published warehouse (or
    expects the metric exports to be current). `sales-warehouse build` sets
    SALES_WAREHOUSE_PUBLISHING and publishes itself.
#}
{% macro publish_note() %}
    {%- if execute and target.type == 'duckdb' and not env_var('SALES_WAREHOUSE_PUBLISHING', '') -%}
        {{ log(
            "Built the candidate " ~ target.path ~ ": not published, and the metric exports in it are"
            ~ " not refreshed. Publish it with `sales-warehouse publish` (runs the exports, then swaps it in"
            ~ " atomically), or build and publish in one go with `make build` / `sales-warehouse build`.",
            info=true
        ) }}
    {%- endif -%}
{% endmacro %}
