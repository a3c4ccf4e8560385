{{
    config(
        materialized='incremental',
        unique_key='sales_daily_id',
        incremental_strategy='merge',
        merge_clauses={
            'when_matched': [
                {'condition': 'DBT_INTERNAL_SOURCE.region_code is null', 'action': 'delete'},
                {'action': 'update', 'mode': 'by_name'}
            ],
            'when_not_matched': [
                {'condition': 'DBT_INTERNAL_SOURCE.region_code is not null', 'action': 'insert', 'mode': 'by_name'}
            ]
        },
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

    Incremental, equal to a full refresh after any late change. A cell depends on rows of other
    days (a customer's current region and first order, a product's current category, a credit
    note reversing an order, a return), and lines leave a day without leaving a trace (hard
    deletes, exclusions, an order whose date was corrected): no high-water mark finds those days.
    So each run aggregates every day as a full refresh would (one pass over the materialised
    fct_order_lines), compares the cells with the stored ones and writes only the difference,
    merged on sales_daily_id: new and changed cells are inserted or updated, and stored cells that
    no longer exist (a customer moved region, every line of the cell gone or excluded) are
    deleted. The increment carries those as delete markers: the stored cell's sales_daily_id with
    every other column null (region_code is never null in a real cell: 'unknown' when missing),
    which the merge deletes and never inserts. A run without changes writes nothing.
#}
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
    from lines_enriched
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

){% if is_incremental() %},

{{ incremental_difference(['sales_daily_id']) }}

{%- else %}

select * from final

{%- endif %}
