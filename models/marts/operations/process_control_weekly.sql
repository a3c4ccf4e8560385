{#
    Statistical process control of order fulfilment: an X-bar chart of the weekly mean per process
    step. The limits for a week come from a baseline of the var('control_baseline_weeks') ISO
    weeks before it (the week itself excluded, so a shift cannot hide in its own baseline):
        centre line = mean of every order in the baseline weeks
        limits      = centre line -/+ var('control_limit_sigmas') x sigma / sqrt(n)
    where sigma is the standard deviation of those individual orders and n the week's number of
    orders (the standard error of a mean of n orders). Limits exist only when every week of the
    baseline window has data. Two passes, as in textbook SPC: weeks out of control against a
    first, unfiltered baseline are special causes and are left out of the baseline of the weeks
    after them. The run rule flags the var('control_run_length')th and later consecutive weeks
    whose mean lies on the same side of their centre line (a drift the limits miss).
    Commerce only: reads fct_orders and the holidays seed.
#}

{%- set baseline_weeks = var('control_baseline_weeks') | int %}
{%- set limit_sigmas = var('control_limit_sigmas') %}
{%- set run_length = var('control_run_length') | int %}

with

orders as (

    select * from {{ ref('fct_orders') }}

),

holidays as (

    select * from {{ ref('holidays') }}
    where holiday_type = 'shopping_festival' and country_code = '{{ var("holiday_country") }}'

),

order_data_bounds as (

    select
        min(placed_date) as first_placed_date,
        max(placed_date) as last_placed_date
    from orders

),

step_observations as (

    select
        'payment' as process_step,
        'minutes' as measure_unit,
        placed_at,
        cast(minutes_to_pay as double) as measured_value
    from orders
    where minutes_to_pay is not null

    union all

    select
        'warehouse' as process_step,
        'hours' as measure_unit,
        placed_at,
        cast(hours_to_ship as double) as measured_value
    from orders
    where hours_to_ship is not null

    union all

    select
        'delivery' as process_step,
        'hours' as measure_unit,
        placed_at,
        cast(hours_to_deliver as double) as measured_value
    from orders
    where hours_to_deliver is not null

    union all

    select
        'order_to_delivery' as process_step,
        'days' as measure_unit,
        placed_at,
        cast(days_to_deliver as double) as measured_value
    from orders
    where days_to_deliver is not null

),

weekly as (

    select
        process_step,
        measure_unit,
        cast({{ dbt.date_trunc('week', 'placed_at') }} as date) as week_start_date,
        count(*) as observations,
        sum(measured_value) as sum_value,
        sum(measured_value * measured_value) as sum_squared_value,
        avg(measured_value) as mean_value,
        stddev_samp(measured_value) as stddev_value
    from step_observations
    group by
        process_step,
        measure_unit,
        cast({{ dbt.date_trunc('week', 'placed_at') }} as date)

),

indexed as (

    select
        *,
        {# Weeks since an arbitrary Monday: missing weeks leave gaps, so windows count calendar weeks. #}
        cast({{ dbt.datediff("cast('2000-01-03' as date)", 'week_start_date', 'day') }} / 7 as bigint) as week_index
    from weekly

),

first_pass_baselined as (

    select
        *,
        count(*) over baseline_window as available_baseline_weeks,
        sum(observations) over baseline_window as first_pass_observations,
        sum(sum_value) over baseline_window as first_pass_sum_value,
        sum(sum_squared_value) over baseline_window as first_pass_sum_squared_value
    from indexed
    window baseline_window as (
        partition by process_step
        order by week_index
        range between {{ baseline_weeks }} preceding and 1 preceding
    )

),

first_pass as (

    {# Phase I: every baseline week counts. Only used to find the weeks to leave out of phase II. #}
    select
        *,
        coalesce(
            available_baseline_weeks = {{ baseline_weeks }}
            and first_pass_observations > 1
            and abs(mean_value - first_pass_sum_value / first_pass_observations)
            > {{ limit_sigmas }} * sqrt(
                greatest(
                    (
                        first_pass_sum_squared_value
                        - first_pass_sum_value * first_pass_sum_value / first_pass_observations
                    )
                    / (first_pass_observations - 1),
                    0
                )
                / observations
            ),
            false
        ) as is_special_cause_week
    from first_pass_baselined

),

baselined as (

    {#
        Phase II: the baseline leaves out weeks that were out of control against their own
        baseline (special causes such as a festival rush), so one bad week does not inflate the
        centre line and sigma of the following weeks and flag normal weeks as low.
    #}
    select
        *,
        sum(case when not is_special_cause_week then 1 else 0 end) over baseline_window as baseline_weeks,
        sum(case when is_special_cause_week then 1 else 0 end) over baseline_window as excluded_baseline_weeks,
        sum(case when not is_special_cause_week then observations end) over baseline_window as baseline_observations,
        sum(case when not is_special_cause_week then sum_value end) over baseline_window as baseline_sum_value,
        sum(case when not is_special_cause_week then sum_squared_value end) over baseline_window
            as baseline_sum_squared_value
    from first_pass
    window baseline_window as (
        partition by process_step
        order by week_index
        range between {{ baseline_weeks }} preceding and 1 preceding
    )

),

baseline_statistics as (

    select
        *,
        baseline_sum_value / baseline_observations as baseline_mean,
        {# Pooled sample variance of the baseline orders from the running sums; rounding can dip below zero. #}
        greatest(
            (baseline_sum_squared_value - baseline_sum_value * baseline_sum_value / baseline_observations)
            / nullif(baseline_observations - 1, 0),
            0
        ) as baseline_variance,
        coalesce(available_baseline_weeks = {{ baseline_weeks }} and baseline_observations > 1, false)
            as has_control_limits
    from baselined

),

limits as (

    select
        *,
        case
            when has_control_limits
                then baseline_mean - {{ limit_sigmas }} * sqrt(baseline_variance / observations)
        end as lower_control_limit,
        case
            when has_control_limits
                then baseline_mean + {{ limit_sigmas }} * sqrt(baseline_variance / observations)
        end as upper_control_limit,
        case
            when has_control_limits then sign(mean_value - baseline_mean)
        end as centre_line_side
    from baseline_statistics

),

runs as (

    select
        *,
        {# Gaps and islands: consecutive weeks on the same side share week_index - row_number(). #}
        week_index - row_number() over (
            partition by process_step, centre_line_side
            order by week_index
        ) as run_group
    from limits

),

run_lengths as (

    select
        *,
        case
            when centre_line_side != 0
                then row_number() over (
                    partition by process_step, centre_line_side, run_group
                    order by week_index
                )
        end as run_length_weeks
    from runs

),

festival_weeks as (

    select
        cast({{ dbt.date_trunc('week', 'holiday_date') }} as date) as week_start_date,
        string_agg(holiday_name, ', ' order by holiday_date) as festival_name
    from holidays
    group by cast({{ dbt.date_trunc('week', 'holiday_date') }} as date)

),

final as (

    select
        {{ surrogate_key(['run_lengths.week_start_date', 'run_lengths.process_step']) }} as process_control_week_id,
        run_lengths.week_start_date,
        cast(extract(isoyear from run_lengths.week_start_date) as integer) as iso_year,
        cast(extract(week from run_lengths.week_start_date) as integer) as iso_week,
        run_lengths.process_step,
        run_lengths.measure_unit,
        cast(run_lengths.observations as bigint) as observations,
        run_lengths.mean_value,
        run_lengths.stddev_value,
        cast(coalesce(run_lengths.baseline_weeks, 0) as bigint) as baseline_weeks,
        cast(coalesce(run_lengths.excluded_baseline_weeks, 0) as bigint) as excluded_baseline_weeks,
        cast(coalesce(run_lengths.baseline_observations, 0) as bigint) as baseline_observations,
        case when run_lengths.has_control_limits then run_lengths.baseline_mean end as centre_line,
        case when run_lengths.has_control_limits then sqrt(run_lengths.baseline_variance) end as baseline_stddev,
        run_lengths.lower_control_limit,
        run_lengths.upper_control_limit,
        run_lengths.has_control_limits,
        coalesce(
            run_lengths.mean_value < run_lengths.lower_control_limit
            or run_lengths.mean_value > run_lengths.upper_control_limit,
            false
        ) as is_out_of_control,
        cast(run_lengths.centre_line_side as integer) as centre_line_side,
        cast(run_lengths.run_length_weeks as bigint) as run_length_weeks,
        coalesce(run_lengths.run_length_weeks >= {{ run_length }}, false) as is_run_rule_violation,
        festival_weeks.festival_name,
        festival_weeks.festival_name is not null as is_festival_week,
        (
            run_lengths.week_start_date < order_data_bounds.first_placed_date
            or {{ dbt.dateadd('day', 6, 'run_lengths.week_start_date') }} > order_data_bounds.last_placed_date
        ) as is_partial_week
    from run_lengths
    cross join order_data_bounds
    left join festival_weeks
        on run_lengths.week_start_date = festival_weeks.week_start_date

)

select * from final
