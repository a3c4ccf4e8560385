{#
    "A product line's sales fall: adjust price or promotion?" (seed section 1).
    For every category flagged as declining in its latest full month, set its recent revenue,
    discount depth and average selling price against the same months a year earlier.
    Compile with `dbt compile --select declining_categories_price_or_promotion` and run the SQL
    from target/compiled; price_promo_effects gives the estimated elasticity and promotion lift.
#}
with

performance as (

    select * from {{ ref('product_performance_monthly') }}

),

latest_month as (

    select max(month_start_date) as month_start_date
    from performance
    where not is_partial_month

),

declining as (

    select performance.category
    from performance
    inner join latest_month
        on performance.month_start_date = latest_month.month_start_date
    where performance.is_declining

),

recent as (

    select
        performance.category,
        sum(performance.net_revenue) as revenue_last_6_months,
        avg(performance.discount_depth) as discount_depth_last_6_months,
        avg(performance.average_selling_price) as average_price_last_6_months
    from performance
    cross join latest_month
    where performance.month_start_date > latest_month.month_start_date - interval 6 month
    group by performance.category

),

year_before as (

    select
        performance.category,
        sum(performance.net_revenue) as revenue_year_before,
        avg(performance.discount_depth) as discount_depth_year_before,
        avg(performance.average_selling_price) as average_price_year_before
    from performance
    cross join latest_month
    where
        performance.month_start_date > latest_month.month_start_date - interval 18 month
        and performance.month_start_date <= latest_month.month_start_date - interval 12 month
    group by performance.category

)

select
    declining.category,
    recent.revenue_last_6_months,
    year_before.revenue_year_before,
    recent.revenue_last_6_months / nullif(year_before.revenue_year_before, 0) - 1 as revenue_change,
    recent.discount_depth_last_6_months,
    year_before.discount_depth_year_before,
    recent.average_price_last_6_months,
    year_before.average_price_year_before
from declining
left join recent
    on declining.category = recent.category
left join year_before
    on declining.category = year_before.category
