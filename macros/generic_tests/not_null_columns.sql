{#
    Fails with one row per listed column that holds nulls (column_name, null_count); the failure
    count is the number of null values, as dbt's not_null reports. One scan for every column
    instead of one test (and one dbt node) per column: a model's not-null columns in one test.
#}
{% test not_null_columns(model, column_names) %}

{{ config(fail_calc='coalesce(sum(null_count), 0)') }}

{%- if column_names is string -%}
    {%- set column_names = [column_names] -%}
{%- endif %}

with

null_counts as (

    select
    {%- for column_name in column_names %}
        count(*) filter (where {{ column_name }} is null) as null_count_{{ loop.index }}
        {{- "," if not loop.last }}
    {%- endfor %}
    from {{ model }}

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
