{#
    Reconciliation between layers: fails with one row when sum(column_name) over the model differs
    from sum(compare_column) over compare_model by more than tolerance (absolute, in the column's
    unit). Sums over no rows count as 0, so an empty side is a difference, not a null that passes.
#}
{% test equal_sum(model, column_name, compare_model, compare_column, where=none, compare_where=none, tolerance=0.01) %}

with model_total as (

    select coalesce(sum({{ column_name }}), 0) as total
    from {{ model }}
    {%- if where is not none %}
    where {{ where }}
    {%- endif %}

),

compare_model_total as (

    select coalesce(sum({{ compare_column }}), 0) as total
    from {{ compare_model }}
    {%- if compare_where is not none %}
    where {{ compare_where }}
    {%- endif %}

),

final as (

    select
        model_total.total as model_total,
        compare_model_total.total as compare_model_total,
        model_total.total - compare_model_total.total as total_difference
    from model_total
    cross join compare_model_total

)

select *
from final
where abs(total_difference) > {{ tolerance }}

{% endtest %}
