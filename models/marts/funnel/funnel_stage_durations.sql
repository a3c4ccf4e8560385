{{ config(enabled=var('enable_pipeline')) }}

{#- Bottleneck rule (see the model description): a stage is the bottleneck of a month when it has
    the month's largest drop-off rate among its completed visits, or when its median days in stage exceeds
    funnel_bottleneck_dwell_factor x the median of the same stage's completed visits that entered
    in the trailing funnel_bottleneck_trailing_months months (only judged when that history holds
    at least funnel_bottleneck_min_trailing_visits completed visits). -#}
{%- set dwell_factor = var('funnel_bottleneck_dwell_factor') -%}
{%- set trailing_months = var('funnel_bottleneck_trailing_months') -%}
{%- set min_trailing_visits = var('funnel_bottleneck_min_trailing_visits') -%}

with

stage_visits as (

    select * from {{ ref('fct_opportunity_stages') }}

),

funnel_stages as (

    select * from {{ ref('funnel_stages') }}

),

open_stages as (

    select
        stage_name,
        stage_order
    from funnel_stages
    where not is_closed

),

visits as (

    {#- A visit belongs to the month it entered the stage; only completed visits have a duration. #}
    select
        stage_name,
        outcome,
        {{ month_start('entered_at') }} as month_start_date,
        case when not is_current_stage then days_in_stage end as completed_days_in_stage
    from stage_visits

),

month_bounds as (

    select
        min(month_start_date) as first_month,
        max(month_start_date) as last_month
    from visits

),

months as (

    select distinct {{ month_start('date_day') }} as month_start_date
    from (
        {{ day_spine(
            '(select first_month from month_bounds)',
            '(select last_month from month_bounds)'
        ) }}
    ) as days

),

stage_months as (

    select
        open_stages.stage_name,
        open_stages.stage_order,
        months.month_start_date,
        {{ dbt.dateadd('month', '-' ~ trailing_months, 'months.month_start_date') }} as trailing_start_month
    from open_stages
    cross join months

),

monthly as (

    select
        stage_name,
        month_start_date,
        count(*) as visits,
        count(completed_days_in_stage) as completed_visits,
        sum(case when outcome = 'lost' then 1 else 0 end) as lost_visits,
        percentile_cont(0.5) within group (order by completed_days_in_stage) as median_days_in_stage,
        percentile_cont(0.9) within group (order by completed_days_in_stage) as p90_days_in_stage
    from visits
    group by
        stage_name,
        month_start_date

),

trailing_history as (

    select
        stage_months.stage_name,
        stage_months.month_start_date,
        count(visits.completed_days_in_stage) as trailing_completed_visits,
        percentile_cont(0.5) within group (
            order by visits.completed_days_in_stage
        ) as trailing_median_days_in_stage
    from stage_months
    left join visits
        on
            stage_months.stage_name = visits.stage_name
            and stage_months.trailing_start_month <= visits.month_start_date
            and stage_months.month_start_date > visits.month_start_date
    group by
        stage_months.stage_name,
        stage_months.month_start_date

),

measured as (

    select
        stage_months.stage_name,
        stage_months.stage_order,
        stage_months.month_start_date,
        coalesce(monthly.visits, 0) as visits,
        coalesce(monthly.completed_visits, 0) as completed_visits,
        coalesce(monthly.lost_visits, 0) as lost_visits,
        monthly.median_days_in_stage,
        monthly.p90_days_in_stage,
        cast(monthly.lost_visits as double)
        / nullif(monthly.visits, 0) as drop_off_rate,
        cast(monthly.lost_visits as double)
        / nullif(monthly.completed_visits, 0) as completed_drop_off_rate,
        trailing_history.trailing_completed_visits,
        case
            when trailing_history.trailing_completed_visits >= {{ min_trailing_visits }}
                then trailing_history.trailing_median_days_in_stage
        end as trailing_median_days_in_stage
    from stage_months
    left join monthly
        on
            stage_months.stage_name = monthly.stage_name
            and stage_months.month_start_date = monthly.month_start_date
    left join trailing_history
        on
            stage_months.stage_name = trailing_history.stage_name
            and stage_months.month_start_date = trailing_history.month_start_date

),

flagged as (

    select
        *,
        {#- Ranked on completed visits: in the latest months the long stages still hold many
            open visits, which would make their drop-off over all entrants look small. #}
        coalesce(
            completed_drop_off_rate > 0
            and completed_drop_off_rate = max(completed_drop_off_rate) over (partition by month_start_date),
            false
        ) as is_largest_drop_off,
        coalesce(
            median_days_in_stage > {{ dwell_factor }} * trailing_median_days_in_stage,
            false
        ) as is_dwell_above_trend
    from measured

),

final as (

    select
        {{ surrogate_key(['stage_name', 'month_start_date']) }} as stage_period_id,
        stage_name,
        stage_order,
        month_start_date,
        cast(visits as bigint) as visits,
        cast(completed_visits as bigint) as completed_visits,
        cast(lost_visits as bigint) as lost_visits,
        cast(drop_off_rate as double) as drop_off_rate,
        cast(completed_drop_off_rate as double) as completed_drop_off_rate,
        cast(median_days_in_stage as double) as median_days_in_stage,
        cast(p90_days_in_stage as double) as p90_days_in_stage,
        cast(trailing_completed_visits as bigint) as trailing_completed_visits,
        cast(trailing_median_days_in_stage as double) as trailing_median_days_in_stage,
        is_largest_drop_off,
        is_dwell_above_trend,
        is_largest_drop_off or is_dwell_above_trend as is_bottleneck
    from flagged

)

select * from final
