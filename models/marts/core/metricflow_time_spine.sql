{#
    The MetricFlow time spine: one row per day from the first order to the last order plus the
    forecast horizon, so forecast metrics and cumulative metrics have days to land on.
#}
with

bounds as (

    select
        min(placed_date) as first_day,
        max(placed_date) + {{ var('forecast_horizon_days') }} as last_day
    from {{ ref('fct_orders') }}

),

days as (

    select cast(spine.generate_series as date) as date_day
    from bounds
    cross join generate_series(bounds.first_day, bounds.last_day, interval 1 day) as spine

)

select * from days
