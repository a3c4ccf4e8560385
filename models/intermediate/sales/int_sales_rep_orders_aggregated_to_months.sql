{{ config(enabled=var('enable_sales_team')) }}

{#
    One row per sales rep per calendar month in which the rep is credited with a revenue order
    (fct_orders.is_revenue; cancelled and other non-revenue orders are left out): net revenue,
    margin, gross margin rate, orders and new customers. The margin is null (unknown) when the
    cost of any of the month's orders is unknown (sum_if_known), not a partial sum.
#}

with

orders as (

    select * from {{ ref('fct_orders') }}
    where is_revenue and sales_rep_id is not null

),

aggregated as (

    select
        sales_rep_id,
        {{ month_start('placed_date') }} as month_start_date,
        sum(net_amount) as net_revenue,
        {{ sum_if_known('margin_amount') }} as margin_amount,
        count(*) filter (where is_counted_order) as order_count,
        count(*) filter (where is_first_order) as new_customers
    from orders
    group by 1, 2

),

final as (

    select
        sales_rep_id,
        month_start_date,
        cast(net_revenue as decimal(18, 2)) as net_revenue,
        cast(margin_amount as decimal(18, 2)) as margin_amount,
        cast(margin_amount / nullif(net_revenue, 0) as double) as gross_margin_rate,
        cast(order_count as bigint) as order_count,
        cast(new_customers as bigint) as new_customers
    from aggregated

)

select * from final
