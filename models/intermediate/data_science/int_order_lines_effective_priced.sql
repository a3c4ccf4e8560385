{#
    One row per order line with the price the customer effectively faced, relative to the
    product's list price: price_multiplier = unit_price / list_price (the shelf price move) and
    discount_rate = discount_amount / gross_amount (the order's promotion discount). Every valid
    line counts, cancelled and returned orders included: their quantity was chosen at that price.
#}

with

order_lines as (

    select * from {{ ref('fct_order_lines') }}

),

orders as (

    select * from {{ ref('fct_orders') }}

),

products as (

    select * from {{ ref('dim_products') }}

),

customers as (

    {#- Staging, not dim_customers (the same customer_type, one row per customer): the mart waits
        for RFM scores, surveys and tickets, which held price_promo_effects back to the end of the
        build, alone on one core; from staging it starts once the order marts are built. #}
    select * from {{ ref('stg_shop__customers') }}

),

final as (

    select
        order_lines.order_line_id,
        order_lines.order_id,
        order_lines.customer_id,
        order_lines.product_id,
        products.category,
        products.subcategory,
        customers.customer_type,
        order_lines.channel,
        order_lines.quantity,
        order_lines.unit_price,
        products.list_price,
        cast(order_lines.unit_price / products.list_price as double) as price_multiplier,
        cast(
            case
                when order_lines.gross_amount > 0
                    then order_lines.discount_amount / order_lines.gross_amount
                else 0
            end as double
        ) as discount_rate,
        orders.is_promotion,
        order_lines.placed_date
    from order_lines
    inner join orders
        on order_lines.order_id = orders.order_id
    inner join products
        on order_lines.product_id = products.product_id
    inner join customers
        on order_lines.customer_id = customers.customer_id
    where
        products.list_price > 0
        and order_lines.quantity > 0

)

select * from final
