{#
    One row per customer with at least one revenue order on or before the as-of date: the
    recency / frequency / monetary measures of dim_customers plus the order and line counts the
    segmentation needs (promotion orders, lines, units) and the demographics (business flag, age).
    Orders and lines are revenue orders (paid, shipped, delivered) on or before dim_customers'
    as_of_date, the same population as the RFM measures.
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

order_counts as (

    select
        orders.customer_id,
        count(*) as order_count,
        count(case when orders.is_promotion then 1 end) as promotion_order_count
    from orders
    inner join customers
        on orders.customer_id = customers.customer_id
    where orders.placed_date <= customers.as_of_date
    group by orders.customer_id

),

line_counts as (

    select
        order_lines.customer_id,
        count(*) as line_count,
        sum(order_lines.quantity) as unit_count
    from order_lines
    inner join customers
        on order_lines.customer_id = customers.customer_id
    where order_lines.placed_date <= customers.as_of_date
    group by order_lines.customer_id

),

final as (

    select
        customers.customer_id,
        customers.customer_type,
        customers.customer_type = 'business' as is_business,
        case
            when customers.birth_date is not null
                then {{ dbt.datediff('customers.birth_date', 'customers.as_of_date', 'day') }} / 365.25
        end as age_years,
        customers.lifetime_orders,
        customers.lifetime_revenue,
        customers.average_order_value,
        customers.days_since_last_order,
        customers.tenure_days,
        cast(order_counts.promotion_order_count as integer) as promotion_order_count,
        cast(line_counts.line_count as integer) as line_count,
        cast(line_counts.unit_count as integer) as unit_count,
        customers.as_of_date
    from customers
    inner join order_counts
        on customers.customer_id = order_counts.customer_id
    inner join line_counts
        on customers.customer_id = line_counts.customer_id

)

select * from final
