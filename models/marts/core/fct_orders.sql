with

orders as (

    select * from {{ ref('stg_shop__orders') }}
    where not is_excluded

),

order_lines as (

    select * from {{ ref('int_order_lines_priced') }}

),

statuses as (

    select * from {{ ref('order_statuses') }}

),

line_totals as (

    select
        order_id,
        count(*) as line_count,
        sum(quantity) as units,
        sum(gross_amount) as gross_amount,
        sum(discount_amount) as discount_amount,
        sum(net_amount) as net_amount,
        sum(cost_amount) as cost_amount,
        sum(margin_amount) as margin_amount
    from order_lines
    group by order_id

),

customer_sequence as (

    select
        order_id,
        row_number() over (partition by customer_id order by placed_at, order_id) as customer_order_number
    from orders

),

final as (

    select
        orders.order_id,
        orders.customer_id,
        orders.sales_rep_id,
        orders.campaign_id,
        orders.channel,
        orders.status as order_status,
        coalesce(statuses.counts_as_revenue, false) as is_revenue,
        coalesce(statuses.is_cancelled, false) as is_cancelled,
        orders.campaign_id is not null as is_promotion,
        customer_sequence.customer_order_number,
        customer_sequence.customer_order_number = 1 as is_first_order,
        coalesce(line_totals.line_count, 0) as line_count,
        coalesce(line_totals.units, 0)::bigint as units,
        coalesce(line_totals.gross_amount, 0)::decimal(18, 2) as gross_amount,
        coalesce(line_totals.discount_amount, 0)::decimal(18, 2) as discount_amount,
        coalesce(line_totals.net_amount, 0)::decimal(18, 2) as net_amount,
        coalesce(line_totals.cost_amount, 0)::decimal(18, 2) as cost_amount,
        coalesce(line_totals.margin_amount, 0)::decimal(18, 2) as margin_amount,
        orders.placed_date,
        orders.placed_at,
        orders.paid_at,
        orders.shipped_at,
        orders.delivered_at,
        {{ dbt.datediff('orders.placed_at', 'orders.paid_at', 'minute') }} as minutes_to_pay,
        {{ dbt.datediff('orders.paid_at', 'orders.shipped_at', 'minute') }} / 60.0 as hours_to_ship,
        {{ dbt.datediff('orders.shipped_at', 'orders.delivered_at', 'minute') }} / 60.0 as hours_to_deliver,
        {{ dbt.datediff('orders.placed_at', 'orders.delivered_at', 'minute') }} / 1440.0 as days_to_deliver
    from orders
    left join line_totals
        on orders.order_id = line_totals.order_id
    left join customer_sequence
        on orders.order_id = customer_sequence.order_id
    left join statuses
        on orders.status = statuses.status_code

)

select * from final
