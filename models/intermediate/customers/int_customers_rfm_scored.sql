{#
    One row per customer with at least one revenue order on or before the as-of date: recency,
    frequency and monetary value, their 1-5 quintile scores and the RFM segment.
    An "order" here is an order that counts (fct_orders.is_counted_order: paid, shipped or
    delivered, not a credit note, not fully credited): cancelled, returned, unpaid and unknown
    orders are not purchases; credit notes reduce the customer's revenue. Orders after the as-of date are ignored,
    so a rebuild with the same var('as_of_date') gives the same scores.
    As-of date: var('as_of_date') when set, else the last placed_date in fct_orders (any status).
#}
with

orders as (

    select * from {{ ref('fct_orders') }}

),

rfm_segments as (

    select * from {{ ref('rfm_segments') }}

),

as_of as (

    {# var('as_of_date') when set, else the last placed_date of any order. #}
    select
        coalesce(
            {{ as_of_date() }},
            max(placed_date)
        ) as as_of_date
    from orders

),

customer_orders as (

    {#
        Frequency and dates count orders (is_counted_order); money nets credit notes. Guests
        (no customer_id) are not customers.
    #}
    select
        orders.customer_id,
        min(orders.placed_date) filter (where orders.is_counted_order) as first_order_date,
        max(orders.placed_date) filter (where orders.is_counted_order) as last_order_date,
        count(*) filter (where orders.is_counted_order) as lifetime_orders,
        sum(orders.net_amount) as lifetime_revenue,
        {{ sum_if_known('orders.margin_amount') }} as lifetime_margin
    from orders
    cross join as_of
    where
        orders.is_revenue
        and orders.customer_id is not null
        and orders.placed_date <= as_of.as_of_date
    group by orders.customer_id
    having count(*) filter (where orders.is_counted_order) > 0

),

measured as (

    select
        customer_orders.*,
        as_of.as_of_date,
        {{ dbt.datediff('customer_orders.last_order_date', 'as_of.as_of_date', 'day') }} as days_since_last_order,
        {{ dbt.datediff('customer_orders.first_order_date', 'as_of.as_of_date', 'day') }} as tenure_days
    from customer_orders
    cross join as_of

),

quintiles as (

    {# Recency: the longest since the last order gets quintile 1, the most recent quintile 5. #}
    select
        *,
        ntile(5) over (order by days_since_last_order desc, customer_id asc) as recency_quintile,
        ntile(5) over (order by lifetime_orders, customer_id) as frequency_quintile,
        ntile(5) over (order by lifetime_revenue, customer_id) as monetary_quintile
    from measured

),

scored as (

    {#
        ntile cuts a run of equal values at an arbitrary place: two buyers with 3 orders could get
        F1 and F2 depending on their customer_id. Customers tied on a measure get the lowest
        quintile of their run instead, so equal values always score the same.
    #}
    select
        *,
        min(recency_quintile) over (partition by days_since_last_order) as recency_score,
        min(frequency_quintile) over (partition by lifetime_orders) as frequency_score,
        min(monetary_quintile) over (partition by lifetime_revenue) as monetary_score
    from quintiles

),

segmented as (

    select
        scored.*,
        rfm_segments.rfm_segment
    from scored
    left join rfm_segments
        on
            scored.recency_score between rfm_segments.recency_score_min and rfm_segments.recency_score_max
            and scored.frequency_score between rfm_segments.frequency_score_min and rfm_segments.frequency_score_max

),

final as (

    select
        customer_id,
        as_of_date,
        first_order_date,
        last_order_date,
        cast(lifetime_orders as integer) as lifetime_orders,
        cast(lifetime_revenue as decimal(18, 2)) as lifetime_revenue,
        cast(lifetime_margin as decimal(18, 2)) as lifetime_margin,
        cast(lifetime_revenue / lifetime_orders as decimal(18, 2)) as average_order_value,
        cast(tenure_days as integer) as tenure_days,
        cast(days_since_last_order as integer) as days_since_last_order,
        cast(recency_score as integer) as recency_score,
        cast(frequency_score as integer) as frequency_score,
        cast(monetary_score as integer) as monetary_score,
        cast(recency_score as {{ dbt.type_string() }})
        || cast(frequency_score as {{ dbt.type_string() }})
        || cast(monetary_score as {{ dbt.type_string() }}) as rfm_score,
        rfm_segment,
        lifetime_orders >= 2 as is_repeat_buyer,
        days_since_last_order > {{ var('churn_window_days') }} as is_churned
    from segmented

)

select * from final
