{#
    The data's end date: var('as_of_date') when set (reproducible rebuilds of history), else the
    last day with a valid order. Lifecycle status and lifetime sales are as of that date.
#}
{%- set new_product_days = var('new_product_days') | int -%}

with

products as (

    select * from {{ ref('stg_shop__products') }}

),

orders as (

    select * from {{ ref('stg_shop__orders') }}
    where not is_excluded

),

order_lines as (

    select * from {{ ref('fct_order_lines') }}
    where is_revenue

),

data_window as (

    select
        coalesce({{ as_of_date() }}, max(orders.placed_date)) as data_end_date
    from orders

),

product_sales as (

    select
        order_lines.product_id,
        min(order_lines.placed_date) as first_sold_date,
        max(order_lines.placed_date) as last_sold_date,
        sum(order_lines.quantity) as lifetime_units,
        sum(order_lines.net_amount) as lifetime_net_revenue
    from order_lines
    cross join data_window
    where order_lines.placed_date <= data_window.data_end_date
    group by order_lines.product_id

),

price_quintiles as (

    select
        product_id,
        {# Ties are split by product_id so that the bands are deterministic. #}
        ntile(5) over (partition by category order by list_price, product_id) as price_quintile
    from products

),

final as (

    select
        products.product_id,
        products.product_name,
        products.category,
        products.subcategory,
        products.brand,
        products.list_price,
        products.unit_cost,
        cast(
            (products.list_price - products.unit_cost) / nullif(products.list_price, 0) as decimal(18, 6)
        ) as list_margin_rate,
        cast(price_quintiles.price_quintile as integer) as price_quintile,
        case price_quintiles.price_quintile
            when 1 then 'budget'
            when 2 then 'value'
            when 3 then 'mid'
            when 4 then 'premium'
            when 5 then 'luxury'
        end as price_band,
        products.launched_on,
        products.discontinued_on,
        case
            when products.discontinued_on <= data_window.data_end_date then 'discontinued'
            when products.launched_on > data_window.data_end_date then 'upcoming'
            when
                products.launched_on
                > {{ dbt.dateadd('day', -new_product_days, 'data_window.data_end_date') }}
                then 'launched'
            else 'active'
        end as lifecycle_status,
        product_sales.first_sold_date,
        product_sales.last_sold_date,
        cast(coalesce(product_sales.lifetime_units, 0) as bigint) as lifetime_units,
        cast(coalesce(product_sales.lifetime_net_revenue, 0) as decimal(18, 2)) as lifetime_net_revenue
    from products
    cross join data_window
    left join price_quintiles
        on products.product_id = price_quintiles.product_id
    left join product_sales
        on products.product_id = product_sales.product_id

)

select * from final
