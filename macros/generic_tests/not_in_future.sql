{#
    Fails for every row whose date or timestamp lies after as_of. Timestamps in this project are
    naive UTC, so the default as_of is the current time converted to naive UTC, which keeps the
    test right whatever the session time zone is. as_of is a SQL expression, e.g.
    "cast('2026-01-01' as timestamp)" or "{{ var('as_of') }}" quoted as a literal.
#}
{% test not_in_future(model, column_name, as_of=none) %}

{%- set as_of_expression = as_of
    if as_of is not none
    else "cast((" ~ dbt.current_timestamp() ~ " at time zone 'UTC') as " ~ dbt.type_timestamp() ~ ")" -%}

select *
from {{ model }}
where {{ column_name }} > {{ as_of_expression }}

{% endtest %}
