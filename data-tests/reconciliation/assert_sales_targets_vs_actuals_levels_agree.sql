{{ config(enabled=var('enable_sales_team')) }}

{#
    Targets and actuals add up across grains: for every month, the rep rows, the team rows and
    the region rows of sales_targets_vs_actuals carry the same total target and revenue, and the
    rep rows carry the same totals as rep_performance_monthly. Returns a row per disagreeing month.
#}

with

targets_actuals as (

    select * from {{ ref('sales_targets_vs_actuals') }}

),

rep_performance as (

    select * from {{ ref('rep_performance_monthly') }}

),

level_totals as (

    select
        month_start_date,
        sum(net_revenue) filter (where grain_level = 'rep') as rep_revenue,
        sum(net_revenue) filter (where grain_level = 'team') as team_revenue,
        sum(net_revenue) filter (where grain_level = 'region') as region_revenue,
        coalesce(sum(revenue_target) filter (where grain_level = 'rep'), 0) as rep_target,
        coalesce(sum(revenue_target) filter (where grain_level = 'team'), 0) as team_target,
        coalesce(sum(revenue_target) filter (where grain_level = 'region'), 0) as region_target
    from targets_actuals
    group by month_start_date

),

scorecard_totals as (

    select
        month_start_date,
        sum(net_revenue) as scorecard_revenue,
        coalesce(sum(revenue_target), 0) as scorecard_target
    from rep_performance
    group by month_start_date

),

final as (

    select
        level_totals.*,
        scorecard_totals.scorecard_revenue,
        scorecard_totals.scorecard_target
    from level_totals
    full outer join scorecard_totals
        on level_totals.month_start_date = scorecard_totals.month_start_date
    where
        level_totals.month_start_date is null
        or scorecard_totals.month_start_date is null
        or level_totals.rep_revenue != level_totals.team_revenue
        or level_totals.rep_revenue != level_totals.region_revenue
        or level_totals.rep_revenue != scorecard_totals.scorecard_revenue
        or level_totals.rep_target != level_totals.team_target
        or level_totals.rep_target != level_totals.region_target
        or level_totals.rep_target != scorecard_totals.scorecard_target

)

select * from final
