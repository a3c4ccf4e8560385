{#
    Fails with one row when the model is empty, e.g. a filter or join that silently drops all rows.
#}
{% test at_least_one_row(model) %}

with model_rows as (

    select count(*) as row_count
    from {{ model }}

)

select row_count
from model_rows
where row_count = 0

{% endtest %}
