{#
    One row per first-order month (cohort) x months since the first order, from month 0 up to the
    month of the as-of date, including months in which nobody in the cohort bought.
    Orders are revenue orders on or before the as-of date, as in dim_customers, so a cohort here
    holds exactly the customers of dim_customers whose first_order_date falls in the month.
#}
with

orders as (

    select * from {{ ref('fct_orders') }}

),

as_of as (

    {# Same rule as int_customers_rfm_scored: var('as_of_date'), else the last placed_date. #}
    select
        coalesce(
            {{ as_of_date() }},
            max(placed_date)
        ) as as_of_date
    from orders

),

month_offsets as (

    {# 0 to 1199: a century of months, cut to the data's span in cohort_months. #}
    select cast(generated_number - 1 as integer) as months_since_first_order
    from ({{ dbt.generate_series(1200) }}) as series

),

revenue_orders as (

    select
        orders.customer_id,
        orders.order_id,
        orders.net_amount,
        orders.is_counted_order,
        orders.placed_date,
        orders.placed_at
    from orders
    cross join as_of
    where
        orders.is_revenue
        and orders.customer_id is not null
        and orders.placed_date <= as_of.as_of_date

),

sequenced as (

    select
        *,
        {# Orders (is_counted_order) set the cohort and the sequence; credit notes only net revenue. #}
        min(placed_date) filter (where is_counted_order) over (partition by customer_id) as first_order_date,
        case
            when is_counted_order
                then row_number() over (partition by customer_id, is_counted_order order by placed_at, order_id)
        end as customer_order_number,
        case
            when is_counted_order
                then lag(placed_date) over (partition by customer_id, is_counted_order order by placed_at, order_id)
        end as previous_order_date
    from revenue_orders

),

customer_orders as (

    select
        customer_id,
        net_amount,
        is_counted_order,
        customer_order_number,
        {{ dbt.date_trunc('month', 'first_order_date') }} as cohort_month,
        {{ dbt.datediff(
            dbt.date_trunc('month', 'first_order_date'),
            dbt.date_trunc('month', 'placed_date'),
            'month'
        ) }} as months_since_first_order,
        {{ dbt.datediff('previous_order_date', 'placed_date', 'day') }} as days_since_previous_order
    from sequenced
    where first_order_date is not null

),

cohorts as (

    select
        cohort_month,
        count(distinct customer_id) as cohort_size
    from customer_orders
    group by cohort_month

),

cohort_months as (

    select
        cohorts.cohort_month,
        month_offsets.months_since_first_order,
        cohorts.cohort_size,
        {{ dbt.dateadd('month', 'month_offsets.months_since_first_order', 'cohorts.cohort_month') }} as activity_month
    from cohorts
    cross join month_offsets
    cross join as_of
    where
        {{ dbt.dateadd('month', 'month_offsets.months_since_first_order', 'cohorts.cohort_month') }}
        <= {{ dbt.date_trunc('month', 'as_of.as_of_date') }}

),

monthly_activity as (

    {# A gap belongs to the month of its later order; first orders have no gap (null, ignored). #}
    select
        cohort_month,
        months_since_first_order,
        count(distinct customer_id) filter (where is_counted_order) as active_customers,
        sum(net_amount) as cohort_revenue,
        percentile_cont(0.5) within group (order by days_since_previous_order) as median_days_between_orders
    from customer_orders
    group by
        cohort_month,
        months_since_first_order

),

second_orders as (

    select
        cohort_month,
        months_since_first_order,
        count(*) as new_repeat_buyers
    from customer_orders
    where customer_order_number = 2
    group by
        cohort_month,
        months_since_first_order

),

joined as (

    select
        cohort_months.cohort_month,
        cohort_months.months_since_first_order,
        cohort_months.activity_month,
        cohort_months.cohort_size,
        coalesce(monthly_activity.active_customers, 0) as active_customers,
        coalesce(monthly_activity.cohort_revenue, 0) as cohort_revenue,
        sum(coalesce(second_orders.new_repeat_buyers, 0)) over (
            partition by cohort_months.cohort_month
            order by cohort_months.months_since_first_order
            rows between unbounded preceding and current row
        ) as repeat_buyers,
        monthly_activity.median_days_between_orders
    from cohort_months
    left join monthly_activity
        on
            cohort_months.cohort_month = monthly_activity.cohort_month
            and cohort_months.months_since_first_order = monthly_activity.months_since_first_order
    left join second_orders
        on
            cohort_months.cohort_month = second_orders.cohort_month
            and cohort_months.months_since_first_order = second_orders.months_since_first_order

),

final as (

    select
        cast(cohort_month as date) as cohort_month,
        months_since_first_order,
        cast(activity_month as date) as activity_month,
        cast(cohort_size as integer) as cohort_size,
        cast(active_customers as integer) as active_customers,
        cast(active_customers as double) / cohort_size as retention_rate,
        cast(cohort_revenue as decimal(18, 2)) as cohort_revenue,
        cast(cohort_revenue as double) / nullif(
            first_value(cast(cohort_revenue as double)) over (
                partition by cohort_month
                order by months_since_first_order
                rows between unbounded preceding and current row
            ),
            0
        ) as revenue_retention,
        cast(repeat_buyers as double) / cohort_size as repurchase_rate,
        cast(median_days_between_orders as double) as median_days_between_orders
    from joined

)

select * from final
