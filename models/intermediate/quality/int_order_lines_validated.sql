{#
    Latest order lines with the rules that need another table: unknown product, a parent order
    that is missing or excluded (e.g. future-dated or before the business began), negative
    quantities, which are valid only on a credit note (an order reversing an earlier one), and
    quantities and prices far outside the product's history (limits from
    int_order_line_outlier_bounds). is_excluded says whether the marts use the line: an absurd
    quantity or price would multiply revenue, so those lines are excluded; a price far below
    the reference is kept with a flag (it cannot inflate anything).
#}
{#- A table: every consumer (fct_order_lines through int_order_lines_priced, eight rules of the
    data-quality mart, the reconciliation tests) reads these rules once computed. -#}
{{ config(materialized='table') }}

with

order_lines as (

    select * from {{ ref('stg_shop__order_lines') }}

),

products as (

    select product_id from {{ ref('stg_shop__products') }}

),

bounds as (

    select * from {{ ref('int_order_line_outlier_bounds') }}

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
        coalesce(orders.is_excluded, true) as is_parent_order_excluded,
        {# Without any history (or without a product) only the absolute cap applies. #}
        coalesce(bounds.quantity_limit, {{ var('quantity_outlier_cap') }}) as quantity_limit,
        bounds.unit_price_upper_limit,
        bounds.unit_price_lower_limit
    from order_lines
    left join products
        on order_lines.product_id = products.product_id
    left join bounds
        on order_lines.product_id = bounds.product_id
    left join orders
        on order_lines.order_id = orders.order_id

),

flagged as (

    select
        *,
        {# A credit note's quantity is negative by design: its size counts. #}
        coalesce(not is_negative_quantity_on_sale and abs(quantity) > quantity_limit, false) as is_quantity_outlier,
        coalesce(unit_price > unit_price_upper_limit, false) as is_price_outlier_high,
        coalesce(unit_price >= 0 and unit_price < unit_price_lower_limit, false) as is_price_outlier_low
    from validated

),

final as (

    select
        *,
        (
            is_negative_quantity_on_sale
            or has_negative_price
            or is_orphan_product
            or is_parent_order_excluded
            or is_quantity_outlier
            or is_price_outlier_high
        ) as is_excluded
    from flagged

)

select * from final
