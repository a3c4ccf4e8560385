{#
    Net revenue and units per region x category and day: the history the forecasts learn from.
    Only days with sales appear (the Python side zero-fills the calendar and adds the totals).
    Region is the customer's current region, category the product's; days after the calendar's
    history end (the data's last full day) are left out.
#}
with

order_lines as (

    select * from {{ ref('fct_order_lines') }}
    where is_revenue

),

customers as (

    select * from {{ ref('stg_shop__customers') }}

),

products as (

    select * from {{ ref('stg_shop__products') }}

),

forecast_calendar as (

    select * from {{ ref('int_forecast_calendar') }}
    where is_history

),

final as (

    select
        order_lines.placed_date as sales_date,
        coalesce(customers.region_code, 'unknown') as region_code,
        coalesce(products.category, 'unknown') as category,
        cast(sum(order_lines.net_amount) as decimal(18, 2)) as net_revenue,
        cast(sum(order_lines.quantity) as bigint) as units,
        count(*) as order_line_count
    from order_lines
    inner join forecast_calendar
        on order_lines.placed_date = forecast_calendar.date_day
    left join customers
        on order_lines.customer_id = customers.customer_id
    left join products
        on order_lines.product_id = products.product_id
    group by
        order_lines.placed_date,
        coalesce(customers.region_code, 'unknown'),
        coalesce(products.category, 'unknown')

)

select * from final
