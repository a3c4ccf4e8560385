{#
    One row per day with at least one order in fct_orders: the day's order revenue, the measure
    of the cumulative metric revenue_ytd. MetricFlow computes a cumulative metric by joining every
    day of the time spine to every row of the measure's table that falls in the window; over
    fct_orders that is days x orders, over this table days x days. The revenue expression is the
    one of the order_revenue measure (semantic model orders), so the year-to-date sums are equal.
    Days whose orders are all non-revenue stay in with 0: MetricFlow's join keeps a day only when
    the window holds a row, and fct_orders has a row for them too.
#}
with

orders as (

    select * from {{ ref('fct_orders') }}

),

final as (

    select
        placed_date,
        cast(sum(case when is_revenue then net_amount else 0 end) as decimal(18, 2)) as net_revenue
    from orders
    group by placed_date

)

select * from final
