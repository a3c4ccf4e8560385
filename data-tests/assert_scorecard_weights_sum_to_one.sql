{# The balanced scorecard is a weighted sum of KPI scores: its weights must add up to exactly 1. #}

with scorecard_weights as (

    select * from {{ ref('scorecard_weights') }}

),

final as (

    select
        sum(weight) as total_weight,
        count(*) as kpi_count
    from scorecard_weights

)

select * from final
where total_weight is null or abs(total_weight - 1) > 0.00001
