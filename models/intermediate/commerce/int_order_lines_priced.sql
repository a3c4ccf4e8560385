{#
    Valid order lines (not excluded by a data-quality rule) with their order's context.
    Money: gross = quantity x unit price; net = gross - discount; margin = net - cost. Credit
    notes carry negative quantities, so their amounts are negative and net revenue off.
    Cost: the line's own unit cost, else the product's standard cost; when neither is known,
    cost and margin are null (unknown), not zero.
    is_revenue: a sale counts when its status counts as revenue (order_statuses seed); a credit
    note counts (negatively) unless it was cancelled or reverses an order that never counted.
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

products as (

    select
        product_id,
        unit_cost as standard_unit_cost
    from {{ ref('stg_shop__products') }}

),

statuses as (

    select * from {{ ref('order_statuses') }}

),

credited_orders as (

    select
        orders.order_id,
        statuses.counts_as_revenue
    from orders
    left join statuses
        on orders.status = statuses.status_code

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
        orders.credited_order_id,
        orders.channel,
        orders.status as order_status,
        orders.is_credit_note,
        case
            when orders.is_credit_note
                then not coalesce(statuses.is_cancelled, false) and coalesce(credited_orders.counts_as_revenue, true)
            else coalesce(statuses.counts_as_revenue, false)
        end as is_revenue,
        order_lines.quantity,
        order_lines.unit_price,
        coalesce(order_lines.unit_cost, products.standard_unit_cost)::decimal(18, 4) as unit_cost,
        order_lines.gross_amount,
        order_lines.discount_amount,
        order_lines.net_amount,
        (order_lines.quantity * coalesce(order_lines.unit_cost, products.standard_unit_cost))::decimal(18, 2)
            as cost_amount,
        orders.placed_at,
        orders.placed_date,
        greatest(order_lines.updated_at, orders.updated_at) as source_updated_at,
        greatest(order_lines.loaded_at, orders.loaded_at) as source_loaded_at
    from order_lines
    inner join orders
        on order_lines.order_id = orders.order_id
    left join products
        on order_lines.product_id = products.product_id
    left join statuses
        on orders.status = statuses.status_code
    left join credited_orders
        on orders.credited_order_id = credited_orders.order_id

),

final as (

    select
        *,
        (net_amount - cost_amount)::decimal(18, 2) as margin_amount
    from joined

)

select * from final
