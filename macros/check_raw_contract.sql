{#
    on-run-start: fail early, with the file and column named, when a raw file of an enabled
    source is missing or lacks a column the contract (the sources YAML) promises.
    Without this, DuckDB fails later inside some model with a less helpful message.
#}
{% macro check_raw_contract() %}
    {%- if execute and target.type == 'duckdb' -%}
        {%- set problems = [] -%}
        {%- for source_node in graph.sources.values() -%}
            {%- set meta = {} -%}
            {%- do meta.update(source_node.source_meta or {}) -%}
            {%- do meta.update(source_node.meta or {}) -%}
            {%- if meta.get('external_location') -%}
                {%- set path = meta['external_location'].format(name=source_node.identifier) -%}
                {%- set found = run_query("select count(*) from glob('" ~ path ~ "')").columns[0].values()[0] -%}
                {%- if found == 0 -%}
                    {%- do problems.append(
                        "missing raw file " ~ path ~ " (source " ~ source_node.source_name ~ "."
                        ~ source_node.name ~ "; generate demo data with `make data`, point SALES_WAREHOUSE_RAW"
                        ~ " at your export, or switch the domain off with its enable_* var)"
                    ) -%}
                {%- else -%}
                    {%- set described = run_query(
                        "select column_name from (describe select * from read_parquet('" ~ path ~ "'))"
                    ) -%}
                    {%- set actual = described.columns[0].values() | map('lower') | list -%}
                    {%- set expected = source_node.columns.keys() | map('lower') | list -%}
                    {%- for column in expected if column not in actual -%}
                        {%- set unexpected = actual | reject('in', expected) | list -%}
                        {%- do problems.append(
                            path ~ ": missing column '" ~ column ~ "' required by source "
                            ~ source_node.source_name ~ "." ~ source_node.name
                            ~ (" (unexpected columns present: " ~ unexpected | join(', ') ~ ")" if unexpected else "")
                        ) -%}
                    {%- endfor -%}
                {%- endif -%}
            {%- endif -%}
        {%- endfor -%}
        {%- if problems -%}
            {{ exceptions.raise_compiler_error(
                "Raw data contract violated:\n  - " ~ problems | join("\n  - ")
            ) }}
        {%- endif -%}
    {%- endif -%}
{% endmacro %}
