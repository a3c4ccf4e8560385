{{ config(enabled=var('enable_sales_team')) }}

{#
    One row per sales rep per calendar month with a revenue target (stg_hr__sales_targets, one
    row per rep and target month): the month's revenue quota. The target month is truncated to its
    first day, so a target dated within the month still lands on that month.
#}

with

sales_targets as (

    select * from {{ ref('stg_hr__sales_targets') }}

),

aggregated as (

    select
        sales_rep_id,
        {{ month_start('target_month') }} as month_start_date,
        sum(revenue_target) as revenue_target
    from sales_targets
    group by 1, 2

),

final as (

    select
        sales_rep_id,
        month_start_date,
        cast(revenue_target as decimal(18, 2)) as revenue_target
    from aggregated

)

select * from final
