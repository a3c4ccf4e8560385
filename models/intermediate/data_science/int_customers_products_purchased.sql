{#
    One row per customer x product the customer bought in a revenue order: the customer's
    "basket" for item-to-item association rules (a customer, not an order, is the basket, so
    products bought on different days still count as bought together).
#}

with

order_lines as (

    select * from {{ ref('fct_order_lines') }}
    where is_revenue and not is_credit_note and customer_id is not null

),

final as (

    select
        customer_id,
        product_id,
        cast(count(distinct order_id) as integer) as order_count,
        min(placed_date) as first_purchased_date,
        max(placed_date) as last_purchased_date
    from order_lines
    group by customer_id, product_id

)

select * from final
