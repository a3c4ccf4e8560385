{#
    on-run-start: fail early, with the file and column named, when a raw file of an enabled
    source is missing or lacks a column the contract (the sources YAML) marks required.
    Optional files and columns may be absent: each absence is logged once with what it switches
    off (meta.if_missing), and staging reads it as nulls (select_raw_source).
    A column of the wrong type family stops the build too, naming file, column, expected and
    found type (see raw_type_problem for what each contract type accepts).
    Without this, DuckDB fails later inside some model with a less helpful message, or casts
    silently.
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
                    {%- for name, column in source_node.columns.items() if name | lower in actual -%}
                        {%- set problem = raw_type_problem(path, name, column.data_type, actual[name | lower]) -%}
                        {%- if problem -%}
                            {%- do problems.append(
                                path ~ ": column '" ~ name ~ "' is " ~ actual[name | lower] ~ ", expected "
                                ~ column.data_type | upper ~ " (source " ~ table_name ~ "; " ~ problem ~ ")"
                            ) -%}
                        {%- endif -%}
                    {%- endfor -%}
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

{#
    Type families of the raw contract. What each contract type accepts from a raw file:
      BIGINT, INTEGER (integer ids, counts): any integer type; a DECIMAL/DOUBLE column only when
          every value is a whole number (pandas writes nullable integers as DOUBLE).
      DOUBLE (money, scores): any number.
      TIMESTAMP: any TIMESTAMP precision or time zone, or DATE (midnight).
      DATE: DATE or any TIMESTAMP (the date part).
      VARCHAR (codes, names): text, or an integer type (a numeric code is read as its digits).
      BOOLEAN: BOOLEAN.
    A column with no value at all (written with a null type, which DuckDB reports as INTEGER) is
    accepted for any type: it reads as nulls.
#}
{% macro raw_type_family(data_type) %}
    {%- set name = (data_type or '') | upper | trim -%}
    {%- set base = name.split('(')[0] | trim -%}
    {%- if base in ['TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'HUGEINT', 'UTINYINT', 'USMALLINT',
                    'UINTEGER', 'UBIGINT', 'UHUGEINT', 'INT', 'INT1', 'INT2', 'INT4', 'INT8', 'LONG', 'SHORT'] -%}
        {{ return('integer') }}
    {%- elif base in ['DECIMAL', 'NUMERIC'] -%}
        {{ return('decimal') }}
    {%- elif base in ['DOUBLE', 'FLOAT', 'REAL', 'FLOAT4', 'FLOAT8'] -%}
        {{ return('float') }}
    {%- elif base.startswith('TIMESTAMP') or base == 'DATETIME' -%}
        {{ return('timestamp') }}
    {%- elif base == 'DATE' -%}
        {{ return('date') }}
    {%- elif base in ['VARCHAR', 'TEXT', 'STRING', 'CHAR', 'BPCHAR', 'CHARACTER VARYING'] -%}
        {{ return('text') }}
    {%- elif base in ['BOOLEAN', 'BOOL'] -%}
        {{ return('boolean') }}
    {%- endif -%}
    {{ return('other') }}
{% endmacro %}

{#
    none when a raw column of type `found` can be read as contract type `expected`, else a short
    reason. May query the file (path) to accept whole-number DOUBLEs and all-null columns.
#}
{% macro raw_type_problem(path, name, expected, found) %}
    {%- set wanted = raw_type_family(expected) -%}
    {%- set got = raw_type_family(found) -%}
    {%- set accepted = {
        'integer': ['integer'],
        'decimal': ['integer', 'decimal', 'float'],
        'float': ['integer', 'decimal', 'float'],
        'timestamp': ['timestamp', 'date'],
        'date': ['date', 'timestamp'],
        'text': ['text', 'integer'],
        'boolean': ['boolean'],
    } -%}
    {%- if wanted == 'other' or got in accepted.get(wanted, []) -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set column = adapter.quote(name) -%}
    {%- set counts = run_query(
        "select count(" ~ column ~ ")"
        ~ (", count(*) filter (where " ~ column ~ " != round(" ~ column ~ "))" if got in ['decimal', 'float'] else ", 0")
        ~ " from read_parquet('" ~ path ~ "')"
    ).rows[0] -%}
    {%- if counts[0] == 0 -%}
        {{ return(none) }}
    {%- elif wanted == 'integer' and got in ['decimal', 'float'] and counts[1] == 0 -%}
        {{ return(none) }}
    {%- elif wanted == 'integer' and got in ['decimal', 'float'] -%}
        {{ return(counts[1] ~ " values are not whole numbers") }}
    {%- endif -%}
    {{ return("accepted: " ~ accepted[wanted] | join(', ') ~ " types") }}
{% endmacro %}
