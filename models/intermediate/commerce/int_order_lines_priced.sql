{#
    Valid order lines (not excluded by a data-quality rule) with their order's context.
    Money: gross = quantity x unit price; net = gross - discount; margin = net - cost.
#}
with

order_lines as (

    select * from {{ ref('int_order_lines_validated') }}
    where not is_excluded

),

orders as (

    select * from {{ ref('stg_shop__orders') }}
    where not is_excluded

),

joined as (

    select
        order_lines.order_line_id,
        order_lines.order_id,
        order_lines.line_number,
        orders.customer_id,
        order_lines.product_id,
        orders.sales_rep_id,
        orders.campaign_id,
        orders.channel,
        orders.status as order_status,
        order_lines.quantity,
        order_lines.unit_price,
        order_lines.unit_cost,
        order_lines.gross_amount,
        order_lines.discount_amount,
        order_lines.net_amount,
        order_lines.cost_amount,
        (order_lines.net_amount - order_lines.cost_amount)::decimal(18, 2) as margin_amount,
        orders.placed_at,
        orders.placed_date,
        greatest(order_lines.updated_at, orders.updated_at) as source_updated_at,
        greatest(order_lines.loaded_at, orders.loaded_at) as source_loaded_at
    from order_lines
    inner join orders
        on order_lines.order_id = orders.order_id

)

select * from joined
