{#
    Category x month performance, growth, and two decline tests.

    Every category gets a row for every month of the data window (zero when nothing sold), so
    lag() and the trend window count calendar months, not months with sales.
    A partial month (the data starts or ends inside it) keeps its row and totals but is left out
    of every comparison: its growth and trends are null, it never enters another month's trend
    window, and it is never flagged.

    Trend = least-squares slope against the month number over the last var('trend_months')
    complete months up to this one, divided by the mean over those months (-0.05 = falling by 5%
    of the average per month).
    - is_revenue_declining: full window, revenue trend below var('decline_threshold') and
      revenue below the same month a year earlier.
    - is_declining: the same test on the category's share of all categories' revenue. A category
      whose revenue stands still while the business grows is losing ground, and a dip that all
      categories share (Spring Festival moving into another month) is not the category's own.
    The year-over-year condition keeps a seasonal dip inside a growing year from being flagged.
#}
{%- set trend_months = var('trend_months') | int -%}
{#- The YAML tests trend_months >= 2; max() keeps the frame valid whatever the var renders as. -#}
{%- set trend_window_preceding = [trend_months - 1, 0] | max -%}
{%- set decline_threshold = var('decline_threshold') -%}

with

order_lines as (

    select * from {{ ref('fct_order_lines') }}
    where is_revenue

),

products as (

    select * from {{ ref('dim_products') }}

),

calendar as (

    select * from {{ ref('dim_dates') }}

),

orders as (

    select * from {{ ref('stg_shop__orders') }}
    where not is_excluded

),

data_window as (

    select
        min(orders.placed_date) as data_start_date,
        coalesce({{ as_of_date() }}, max(orders.placed_date)) as data_end_date
    from orders

),

months as (

    select
        calendar.month_start_date,
        calendar.month_start_date < data_window.data_start_date
        or calendar.month_end_date > data_window.data_end_date as is_partial_month,
        {{ dbt.datediff("cast('2000-01-01' as date)", 'calendar.month_start_date', 'month') }} as month_index
    from calendar
    cross join data_window
    where
        calendar.date_day = calendar.month_start_date
        and calendar.month_end_date >= data_window.data_start_date
        and calendar.month_start_date <= data_window.data_end_date

),

categories as (

    select distinct category
    from products
    where category is not null

),

category_lines as (

    select
        products.category,
        {{ month_start('order_lines.placed_date') }} as month_start_date,
        order_lines.order_id,
        order_lines.quantity,
        order_lines.gross_amount,
        order_lines.discount_amount,
        order_lines.net_amount,
        order_lines.margin_amount
    from order_lines
    inner join products
        on order_lines.product_id = products.product_id
    cross join data_window
    where order_lines.placed_date between data_window.data_start_date and data_window.data_end_date

),

monthly_totals as (

    select
        category,
        month_start_date,
        sum(net_amount) as net_revenue,
        sum(gross_amount) as gross_revenue,
        sum(discount_amount) as discount_amount,
        {{ sum_if_known('margin_amount') }} as margin_amount,
        sum(quantity) as units,
        count(distinct order_id) as order_count
    from category_lines
    group by category, month_start_date

),

category_months as (

    select
        categories.category,
        months.month_start_date,
        months.month_index,
        months.is_partial_month,
        coalesce(monthly_totals.net_revenue, 0) as net_revenue,
        coalesce(monthly_totals.gross_revenue, 0) as gross_revenue,
        coalesce(monthly_totals.discount_amount, 0) as discount_amount,
        {# No sales: 0; sales with a line of unknown cost: null. #}
        case when monthly_totals.category is null then 0 else monthly_totals.margin_amount end as margin_amount,
        coalesce(monthly_totals.units, 0) as units,
        coalesce(monthly_totals.order_count, 0) as order_count
    from categories
    cross join months
    left join monthly_totals
        on
            categories.category = monthly_totals.category
            and months.month_start_date = monthly_totals.month_start_date

),

comparable_months as (

    {# Partial months become nulls here, which lag() passes on and the regr_ aggregates skip. #}
    select
        *,
        case when not is_partial_month then cast(net_revenue as double) end as complete_revenue,
        case
            when not is_partial_month
                then cast(net_revenue as double) / nullif(sum(net_revenue) over (partition by month_start_date), 0)
        end as complete_revenue_share,
        cast(net_revenue as double)
        / nullif(sum(net_revenue) over (partition by month_start_date), 0) as revenue_share
    from category_months

),

windowed as (

    select
        *,
        lag(complete_revenue, 1) over category_months_in_order as previous_month_revenue,
        lag(complete_revenue, 12) over category_months_in_order as previous_year_revenue,
        lag(complete_revenue_share, 12) over category_months_in_order as previous_year_revenue_share,
        regr_count(complete_revenue, month_index) over trend_window as months_in_window,
        regr_slope(complete_revenue, month_index) over trend_window as revenue_slope,
        regr_avgy(complete_revenue, month_index) over trend_window as revenue_window_mean,
        regr_count(complete_revenue_share, month_index) over trend_window as share_months_in_window,
        regr_slope(complete_revenue_share, month_index) over trend_window as share_slope,
        regr_avgy(complete_revenue_share, month_index) over trend_window as share_window_mean
    from comparable_months
    window
        category_months_in_order as (partition by category order by month_index),
        trend_window as (
            partition by category
            order by month_index
            range between {{ trend_window_preceding }} preceding and current row
        )

),

trends as (

    {# regr_slope of a single point is NaN, hence the two-month minimum. #}
    select
        *,
        case
            when not is_partial_month and months_in_window >= 2
                then revenue_slope / nullif(revenue_window_mean, 0)
        end as trend_slope_pct_raw,
        case
            when not is_partial_month and share_months_in_window >= 2
                then share_slope / nullif(share_window_mean, 0)
        end as share_trend_slope_pct_raw,
        complete_revenue / nullif(previous_month_revenue, 0) - 1 as revenue_mom_growth_raw,
        complete_revenue / nullif(previous_year_revenue, 0) - 1 as revenue_yoy_growth_raw,
        complete_revenue_share / nullif(previous_year_revenue_share, 0) - 1 as revenue_share_yoy_growth_raw
    from windowed

),

final as (

    select
        {{ surrogate_key(['category', 'month_start_date']) }} as category_month_id,
        month_start_date,
        category,
        cast(net_revenue as decimal(18, 2)) as net_revenue,
        cast(gross_revenue as decimal(18, 2)) as gross_revenue,
        cast(discount_amount as decimal(18, 2)) as discount_amount,
        cast(margin_amount as decimal(18, 2)) as margin_amount,
        cast(units as bigint) as units,
        cast(order_count as bigint) as order_count,
        cast(margin_amount / nullif(net_revenue, 0) as decimal(18, 6)) as margin_rate,
        cast(net_revenue / nullif(units, 0) as decimal(18, 2)) as average_selling_price,
        cast(discount_amount / nullif(gross_revenue, 0) as decimal(18, 6)) as discount_depth,
        cast(revenue_share as decimal(18, 6)) as revenue_share,
        cast(revenue_mom_growth_raw as decimal(18, 6)) as revenue_mom_growth,
        cast(revenue_yoy_growth_raw as decimal(18, 6)) as revenue_yoy_growth,
        cast(revenue_share_yoy_growth_raw as decimal(18, 6)) as revenue_share_yoy_growth,
        cast(months_in_window as integer) as months_in_window,
        cast(trend_slope_pct_raw as decimal(18, 6)) as trend_slope_pct,
        cast(share_trend_slope_pct_raw as decimal(18, 6)) as share_trend_slope_pct,
        coalesce(
            months_in_window = {{ trend_months }}
            and trend_slope_pct_raw < {{ decline_threshold }}
            and revenue_yoy_growth_raw < 0,
            false
        ) as is_revenue_declining,
        coalesce(
            share_months_in_window = {{ trend_months }}
            and share_trend_slope_pct_raw < {{ decline_threshold }}
            and revenue_share_yoy_growth_raw < 0,
            false
        ) as is_declining,
        is_partial_month
    from trends

)

select * from final
