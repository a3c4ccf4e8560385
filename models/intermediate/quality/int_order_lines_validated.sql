{#
    Latest order lines with the rules that need another table: unknown product, a parent order
    that is missing or excluded (e.g. future-dated), and negative quantities, which are valid
    only on a credit note (an order reversing an earlier one). is_excluded says whether the
    marts use the line.
#}
with

order_lines as (

    select * from {{ ref('stg_shop__order_lines') }}

),

products as (

    select product_id from {{ ref('stg_shop__products') }}

),

orders as (

    select
        order_id,
        is_credit_note,
        is_excluded
    from {{ ref('stg_shop__orders') }}

),

validated as (

    select
        order_lines.*,
        coalesce(orders.is_credit_note, false) as is_credit_note_line,
        order_lines.has_negative_quantity and not coalesce(orders.is_credit_note, false)
            as is_negative_quantity_on_sale,
        products.product_id is null as is_orphan_product,
        coalesce(orders.is_excluded, true) as is_parent_order_excluded
    from order_lines
    left join products
        on order_lines.product_id = products.product_id
    left join orders
        on order_lines.order_id = orders.order_id

),

final as (

    select
        *,
        (
            is_negative_quantity_on_sale
            or has_negative_price
            or is_orphan_product
            or is_parent_order_excluded
        ) as is_excluded
    from validated

)

select * from final
