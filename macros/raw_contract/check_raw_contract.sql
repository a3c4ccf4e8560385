{#
    on-run-start: fail early, with the file and column named, when a raw file of an enabled
    source is missing or lacks a column the contract (the sources YAML) marks required.
    Optional files and columns may be absent: each absence is logged once with what it switches
    off (meta.if_missing), and staging reads it as nulls (select_raw_source).
    Without this, DuckDB fails later inside some model with a less helpful message.
#}
{% macro check_raw_contract() %}
    {%- if execute and target.type == 'duckdb' -%}
        {%- set problems = [] -%}
        {%- set degraded = [] -%}
        {%- for source_node in graph.sources.values() -%}
            {%- set path = raw_source_location(source_node) -%}
            {%- set table_name = source_node.source_name ~ "." ~ source_node.name -%}
            {%- if path is not none -%}
                {%- set actual = raw_source_columns(source_node) -%}
                {%- if actual is none and source_node.meta.get('required', true) -%}
                    {%- do problems.append(
                        "missing raw file " ~ path ~ " (source " ~ table_name
                        ~ "; generate demo data with `make data`, point SALES_WAREHOUSE_RAW"
                        ~ " at your export, or switch the domain off with its enable_* var)"
                    ) -%}
                {%- elif actual is none -%}
                    {%- do degraded.append(
                        "optional file " ~ path ~ " absent (" ~ table_name ~ "): "
                        ~ source_node.meta.get('if_missing', 'read as empty')
                    ) -%}
                {%- else -%}
                    {%- set expected = source_node.columns.keys() | map('lower') | list -%}
                    {%- set unexpected = actual.keys() | reject('in', expected) | list -%}
                    {%- for name, column in source_node.columns.items() if name | lower not in actual -%}
                        {%- if column_is_required(column) -%}
                            {%- do problems.append(
                                path ~ ": missing column '" ~ name ~ "' required by source " ~ table_name
                                ~ (" (unexpected columns present: " ~ unexpected | join(', ') ~ ")" if unexpected else "")
                            ) -%}
                        {%- else -%}
                            {%- do degraded.append(
                                table_name ~ "." ~ name ~ " absent: "
                                ~ column.get('config', {}).get('meta', {}).get('if_missing', 'read as null')
                            ) -%}
                        {%- endif -%}
                    {%- endfor -%}
                {%- endif -%}
            {%- endif -%}
        {%- endfor -%}
        {%- if problems -%}
            {{ exceptions.raise_compiler_error(
                "Raw data contract violated:\n  - " ~ problems | join("\n  - ")
            ) }}
        {%- endif -%}
        {%- if degraded -%}
            {{ log(
                "Raw data contract: optional data absent, the warehouse degrades gracefully:\n  - "
                ~ degraded | join("\n  - "),
                info=true
            ) }}
        {%- endif -%}
    {%- endif -%}
{% endmacro %}
