{{
    config(
        materialized='incremental',
        unique_key='sales_daily_id',
        incremental_strategy='merge',
        on_schema_change='fail'
    )
}}

{#
    Daily sales KPIs by customer region x order channel x product category.

    Revenue measures count lines of orders with is_revenue (paid, shipped, delivered; credit notes
    negatively, on the day they were issued); order counts use is_counted_order. Returns are
    attributed to the date the returned line was ordered (not the return date), so return_rate
    compares units with the sale they came from; a recent day's rate still grows while its returns
    come in. A fully returned order leaves revenue (its status becomes 'returned'), so the rate's
    denominator adds the units of returned lines back: units_before_returns.

    Incremental: each run recomputes whole days, namely the last var('sales_daily_lookback_days')
    days before the latest stored day, and any day with an order line, order, return, customer or
    product loaded since the last run (source_loaded_at high-water mark). Region and category are
    the customer's and product's current values, so a reloaded customer or product moves its days.
    A cell that disappears from a recomputed day (all its lines excluded later) stays until a
    --full-refresh, as in fct_order_lines.
#}
{%- set lookback_days = var('sales_daily_lookback_days', 3) | int %}

with

order_lines as (

    select * from {{ ref('fct_order_lines') }}

),

orders as (

    select * from {{ ref('fct_orders') }}

),

customers as (

    select * from {{ ref('stg_shop__customers') }}

),

products as (

    select * from {{ ref('stg_shop__products') }}

),

returns as (

    select * from {{ ref('fct_returns') }}

),

return_loads as (

    select * from {{ ref('stg_shop__returns') }}

),

returned_lines as (

    select
        returns.order_id,
        returns.line_number,
        sum(returns.returned_quantity) as returned_quantity,
        sum(returns.refund_amount) as refund_amount,
        max(return_loads.loaded_at) as loaded_at
    from returns
    left join return_loads
        on returns.return_id = return_loads.return_id
    group by returns.order_id, returns.line_number

),

lines_enriched as (

    select
        order_lines.order_id,
        order_lines.placed_date as sales_date,
        coalesce(customers.region_code, 'unknown') as region_code,
        order_lines.channel,
        coalesce(products.category, 'unknown') as product_category,
        coalesce(order_lines.is_revenue, false) as is_revenue,
        order_lines.is_credit_note,
        coalesce(orders.is_counted_order, false) as is_counted_order,
        coalesce(orders.is_first_order, false) as is_first_order,
        coalesce(orders.is_guest_order, false) as is_guest_order,
        returned_lines.order_id is not null as has_return,
        order_lines.quantity,
        order_lines.gross_amount,
        order_lines.discount_amount,
        order_lines.net_amount,
        order_lines.margin_amount,
        coalesce(returned_lines.returned_quantity, 0) as returned_quantity,
        coalesce(returned_lines.refund_amount, 0) as refund_amount,
        greatest(
            order_lines.source_loaded_at,
            returned_lines.loaded_at,
            customers.loaded_at,
            products.loaded_at
        ) as source_loaded_at
    from order_lines
    left join orders
        on order_lines.order_id = orders.order_id
    left join customers
        on order_lines.customer_id = customers.customer_id
    left join products
        on order_lines.product_id = products.product_id
    left join returned_lines
        on
            order_lines.order_id = returned_lines.order_id
            and order_lines.line_number = returned_lines.line_number

),

{%- if is_incremental() %}

high_water_mark as (

    select
        max(source_loaded_at) as source_loaded_at,
        max(sales_date) as sales_date
    from {{ this }}

),

days_to_process as (

    select distinct lines_enriched.sales_date
    from lines_enriched
    cross join high_water_mark
    where
        lines_enriched.source_loaded_at > high_water_mark.source_loaded_at
        or lines_enriched.sales_date
        >= cast({{ dbt.dateadd('day', -lookback_days, 'high_water_mark.sales_date') }} as date)

),

lines_to_process as (

    select lines_enriched.*
    from lines_enriched
    inner join days_to_process
        on lines_enriched.sales_date = days_to_process.sales_date

),

{%- else %}

lines_to_process as (

    select * from lines_enriched

),

{%- endif %}

daily as (

    select
        sales_date,
        region_code,
        channel,
        product_category,
        sum(net_amount) filter (where is_revenue) as net_revenue,
        sum(gross_amount) filter (where is_revenue) as gross_amount,
        sum(discount_amount) filter (where is_revenue) as discount_amount,
        {# Margin is unknown for the cell when the cost of any revenue line is unknown. #}
        case
            when count(margin_amount) filter (where is_revenue) = count(*) filter (where is_revenue)
                then coalesce(sum(margin_amount) filter (where is_revenue), 0)
        end as margin_amount,
        count(distinct order_id) filter (where is_counted_order) as order_count,
        count(distinct order_id) filter (where is_counted_order and is_first_order) as new_customer_orders,
        count(distinct order_id) filter (where is_counted_order and is_guest_order) as guest_orders,
        sum(quantity) filter (where is_revenue) as units,
        sum(returned_quantity) as returned_units,
        sum(quantity) filter (where (is_revenue or has_return) and not is_credit_note) as units_before_returns,
        sum(refund_amount) as refund_amount,
        max(source_loaded_at) as source_loaded_at
    from lines_to_process
    group by sales_date, region_code, channel, product_category

),

final as (

    select
        {{ surrogate_key(['sales_date', 'region_code', 'channel', 'product_category']) }} as sales_daily_id,
        sales_date,
        region_code,
        channel,
        product_category,
        cast(coalesce(net_revenue, 0) as decimal(18, 2)) as net_revenue,
        cast(coalesce(gross_amount, 0) as decimal(18, 2)) as gross_amount,
        cast(coalesce(discount_amount, 0) as decimal(18, 2)) as discount_amount,
        cast(margin_amount as decimal(18, 2)) as margin_amount,
        cast(order_count as bigint) as order_count,
        cast(new_customer_orders as bigint) as new_customer_orders,
        cast(order_count - new_customer_orders - guest_orders as bigint) as returning_customer_orders,
        cast(guest_orders as bigint) as guest_orders,
        cast(coalesce(units, 0) as bigint) as units,
        cast(net_revenue / nullif(order_count, 0) as decimal(18, 2)) as average_order_value,
        cast(margin_amount / nullif(net_revenue, 0) as double) as margin_rate,
        cast(discount_amount / nullif(gross_amount, 0) as double) as discount_rate,
        cast(returned_units as bigint) as returned_units,
        cast(coalesce(units_before_returns, 0) as bigint) as units_before_returns,
        cast(returned_units / nullif(units_before_returns, 0) as double) as return_rate,
        cast(refund_amount as decimal(18, 2)) as refund_amount,
        source_loaded_at
    from daily

)

select * from final
