{#
    One row per product (sold or listed): the limits beyond which an order line's quantity or
    unit price is an outlier (rules quantity_outlier, price_outlier_high, price_outlier_low).

    History: the latest version of every line with a positive quantity (at most the absolute cap,
    so one absurd value cannot raise its own reference) and a positive price.
    Quantity limit: var('quantity_outlier_factor') x the 99th percentile of the product's
    quantities when it has var('quantity_outlier_min_lines') lines of history, else of its
    category's, else of all lines'; never above var('quantity_outlier_cap'), which alone applies
    when there is no history at all.
    Price limits: the product's median price when it has var('price_outlier_min_lines') lines,
    else its list price, else the range of the established product medians of its category, else
    of all products; the upper limit is var('price_outlier_factor') x the (highest) reference, the
    lower limit the (lowest) reference / the factor. No reference at all: no price limits.
#}
{#- A table (one row per product): the percentiles over every order line are computed once, not
    in each test and each reader. -#}
{{ config(materialized='table') }}

{%- set quantity_factor = var('quantity_outlier_factor') -%}
{%- set quantity_cap = var('quantity_outlier_cap') -%}
{%- set quantity_min_lines = var('quantity_outlier_min_lines') -%}
{%- set price_factor = var('price_outlier_factor') -%}
{%- set price_min_lines = var('price_outlier_min_lines') -%}

with

order_lines as (

    select
        product_id,
        quantity,
        unit_price
    from {{ ref('stg_shop__order_lines') }}

),

products as (

    select
        product_id,
        nullif(category, 'unknown') as category,
        list_price
    from {{ ref('stg_shop__products') }}

),

history as (

    select
        order_lines.product_id,
        products.category,
        order_lines.quantity,
        order_lines.unit_price
    from order_lines
    left join products
        on order_lines.product_id = products.product_id
    where
        order_lines.quantity > 0
        and order_lines.quantity <= {{ quantity_cap }}
        and order_lines.unit_price > 0

),

product_history as (

    select
        product_id,
        count(*) as history_lines,
        quantile_disc(quantity, 0.99) as quantity_p99,
        median(unit_price) as median_unit_price
    from history
    group by product_id

),

category_history as (

    select
        category,
        count(*) as history_lines,
        quantile_disc(quantity, 0.99) as quantity_p99
    from history
    where category is not null
    group by category

),

all_history as (

    select
        count(*) as history_lines,
        quantile_disc(quantity, 0.99) as quantity_p99
    from history

),

established_prices as (

    select
        products.category,
        product_history.median_unit_price
    from product_history
    left join products
        on product_history.product_id = products.product_id
    where product_history.history_lines >= {{ price_min_lines }}

),

category_prices as (

    select
        category,
        min(median_unit_price) as lowest_median_unit_price,
        max(median_unit_price) as highest_median_unit_price
    from established_prices
    where category is not null
    group by category

),

all_prices as (

    select
        min(median_unit_price) as lowest_median_unit_price,
        max(median_unit_price) as highest_median_unit_price
    from established_prices

),

all_products as (

    select product_id from order_lines
    where product_id is not null
    union
    select product_id from products

),

references_chosen as (

    select
        all_products.product_id,
        case
            when product_history.history_lines >= {{ quantity_min_lines }} then 'product'
            when category_history.history_lines >= {{ quantity_min_lines }} then 'category'
            when all_history.history_lines >= {{ quantity_min_lines }} then 'all_lines'
            else 'cap_only'
        end as quantity_reference,
        case
            when product_history.history_lines >= {{ quantity_min_lines }} then product_history.quantity_p99
            when category_history.history_lines >= {{ quantity_min_lines }} then category_history.quantity_p99
            when all_history.history_lines >= {{ quantity_min_lines }} then all_history.quantity_p99
        end as reference_quantity_p99,
        case
            when product_history.history_lines >= {{ price_min_lines }} then 'product'
            when products.list_price > 0 then 'list_price'
            when category_prices.highest_median_unit_price is not null then 'category'
            when all_prices.highest_median_unit_price is not null then 'all_products'
            else 'none'
        end as price_reference,
        case
            when product_history.history_lines >= {{ price_min_lines }} then product_history.median_unit_price
            when products.list_price > 0 then products.list_price
            when category_prices.lowest_median_unit_price is not null
                then category_prices.lowest_median_unit_price
            else all_prices.lowest_median_unit_price
        end as lowest_reference_price,
        case
            when product_history.history_lines >= {{ price_min_lines }} then product_history.median_unit_price
            when products.list_price > 0 then products.list_price
            when category_prices.highest_median_unit_price is not null
                then category_prices.highest_median_unit_price
            else all_prices.highest_median_unit_price
        end as highest_reference_price
    from all_products
    left join products
        on all_products.product_id = products.product_id
    left join product_history
        on all_products.product_id = product_history.product_id
    left join category_history
        on products.category = category_history.category
    left join category_prices
        on products.category = category_prices.category
    cross join all_history
    cross join all_prices

),

final as (

    select
        product_id,
        quantity_reference,
        reference_quantity_p99,
        least({{ quantity_cap }}, {{ quantity_factor }} * reference_quantity_p99) as quantity_limit,
        price_reference,
        ({{ price_factor }} * highest_reference_price)::decimal(18, 4) as unit_price_upper_limit,
        (lowest_reference_price / {{ price_factor }})::decimal(18, 4) as unit_price_lower_limit
    from references_chosen

)

select * from final
