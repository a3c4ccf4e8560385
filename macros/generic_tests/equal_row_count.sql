{#
    Reconciliation between layers: fails with one row when the model and compare_model do not have
    the same number of rows. Use the test's `where` config to filter the model side only.
#}
{% test equal_row_count(model, compare_model) %}

with model_rows as (

    select count(*) as row_count
    from {{ model }}

),

compare_model_rows as (

    select count(*) as row_count
    from {{ compare_model }}

),

final as (

    select
        model_rows.row_count as model_row_count,
        compare_model_rows.row_count as compare_model_row_count,
        model_rows.row_count - compare_model_rows.row_count as row_count_difference
    from model_rows
    cross join compare_model_rows

)

select *
from final
where row_count_difference != 0

{% endtest %}
