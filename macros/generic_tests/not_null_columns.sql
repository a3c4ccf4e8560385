{#
    Fails with one row per listed column that holds nulls (column_name, null_count); the failure
    count is the number of null values, as dbt's not_null reports. One test (one dbt node) for all
    of a model's not-null columns instead of one per column. The rows are first filtered on
    "any listed column is null": DuckDB answers that from column statistics when no column can be
    null (no scan at all), where counting over every row would compute a view's joins
    (int_order_lines_effective_priced at scale 67: 0.3 s instead of 2.2 s).
#}
{% test not_null_columns(model, column_names) %}

{{ config(fail_calc='coalesce(sum(null_count), 0)') }}

{%- if column_names is string -%}
    {%- set column_names = [column_names] -%}
{%- endif %}

with

rows_with_nulls as (

    select
        {{ column_names | join(",\n        ") }}
    from {{ model }}
    where
    {%- for column_name in column_names %}
        {{ "or " if not loop.first }}{{ column_name }} is null
    {%- endfor %}

),

null_counts as (

    select
    {%- for column_name in column_names %}
        count(*) filter (where {{ column_name }} is null) as null_count_{{ loop.index }}
        {{- "," if not loop.last }}
    {%- endfor %}
    from rows_with_nulls

)

{% for column_name in column_names -%}
select
    '{{ column_name }}' as column_name,
    null_count_{{ loop.index }} as null_count
from null_counts
where null_count_{{ loop.index }} > 0
{% if not loop.last %}
union all
{% endif %}
{%- endfor %}

{% endtest %}
