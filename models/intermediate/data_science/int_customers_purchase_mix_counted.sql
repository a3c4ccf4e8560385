{#
    One row per customer x mix dimension x value: how a customer's revenue orders split over order
    channels (mix_dimension 'channel', counted in orders) and product categories (mix_dimension
    'category', counted in order lines). Same population and as-of date as
    int_customers_purchase_behaviour_summarised; values a customer never used have no row.
#}

with

customers as (

    select * from {{ ref('dim_customers') }}
    where lifetime_orders > 0

),

orders as (

    {# Purchases of known customers: counted orders, no guests, no credit notes. #}
    select * from {{ ref('fct_orders') }}
    where is_counted_order and customer_id is not null

),

order_lines as (

    select * from {{ ref('fct_order_lines') }}
    where is_revenue and not is_credit_note and customer_id is not null

),

products as (

    select * from {{ ref('dim_products') }}

),

channel_mix as (

    select
        orders.customer_id,
        'channel' as mix_dimension,
        orders.channel as mix_value,
        count(*) as item_count
    from orders
    inner join customers
        on orders.customer_id = customers.customer_id
    where orders.placed_date <= customers.as_of_date
    group by orders.customer_id, orders.channel

),

category_mix as (

    select
        order_lines.customer_id,
        'category' as mix_dimension,
        products.category as mix_value,
        count(*) as item_count
    from order_lines
    inner join customers
        on order_lines.customer_id = customers.customer_id
    inner join products
        on order_lines.product_id = products.product_id
    where order_lines.placed_date <= customers.as_of_date
    group by order_lines.customer_id, products.category

),

final as (

    select
        customer_id,
        mix_dimension,
        mix_value,
        cast(item_count as integer) as item_count
    from channel_mix

    union all

    select
        customer_id,
        mix_dimension,
        mix_value,
        cast(item_count as integer) as item_count
    from category_mix

)

select * from final
