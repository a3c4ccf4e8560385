{{ config(enabled=var('enable_sales_team')) }}

{#
    Revenue targets next to actuals at three grains (rep, team, region), one row per grain level
    x entity x month, with calendar year-to-date running totals. Targets exist per rep only
    (stg_hr__sales_targets); a team's or region's target is the sum of its reps' targets, and its
    revenue the sum of its reps' revenue. Team and region are the rep's at the end of the month;
    region is the rep's sales territory, not the customers' region (that is sales_daily).
#}

with

rep_months as (

    select * from {{ ref('int_sales_rep_months_measured') }}

),

sales_reps as (

    select * from {{ ref('stg_hr__sales_reps') }}

),

sales_teams as (

    select * from {{ ref('stg_hr__sales_teams') }}

),

regions as (

    select * from {{ ref('regions') }}

),

all_levels as (

    select
        'rep' as grain_level,
        cast(rep_months.sales_rep_id as {{ dbt.type_string() }}) as entity_id,
        sales_reps.rep_name as entity_name,
        rep_months.month_start_date,
        rep_months.revenue_target,
        rep_months.net_revenue
    from rep_months
    left join sales_reps
        on rep_months.sales_rep_id = sales_reps.sales_rep_id

    union all

    select
        'team' as grain_level,
        cast(rep_months.team_id as {{ dbt.type_string() }}) as entity_id,
        max(sales_teams.team_name) as entity_name,
        rep_months.month_start_date,
        sum(rep_months.revenue_target) as revenue_target,
        sum(rep_months.net_revenue) as net_revenue
    from rep_months
    left join sales_teams
        on rep_months.team_id = sales_teams.team_id
    group by rep_months.team_id, rep_months.month_start_date

    union all

    select
        'region' as grain_level,
        rep_months.region_code as entity_id,
        max(regions.region_name) as entity_name,
        rep_months.month_start_date,
        sum(rep_months.revenue_target) as revenue_target,
        sum(rep_months.net_revenue) as net_revenue
    from rep_months
    left join regions
        on rep_months.region_code = regions.region_code
    group by rep_months.region_code, rep_months.month_start_date

),

year_to_date as (

    select
        *,
        sum(revenue_target) over (
            partition by grain_level, entity_id, {{ dbt.date_trunc('year', 'month_start_date') }}
            order by month_start_date
            rows between unbounded preceding and current row
        ) as ytd_revenue_target,
        sum(net_revenue) over (
            partition by grain_level, entity_id, {{ dbt.date_trunc('year', 'month_start_date') }}
            order by month_start_date
            rows between unbounded preceding and current row
        ) as ytd_net_revenue
    from all_levels

),

final as (

    select
        {{ surrogate_key(['grain_level', 'entity_id', 'month_start_date']) }} as target_actual_id,
        grain_level,
        entity_id,
        entity_name,
        month_start_date,
        cast(revenue_target as decimal(18, 2)) as revenue_target,
        cast(net_revenue as decimal(18, 2)) as net_revenue,
        cast(net_revenue / nullif(revenue_target, 0) as double) as attainment_rate,
        cast(revenue_target - net_revenue as decimal(18, 2)) as gap_to_target,
        cast(ytd_revenue_target as decimal(18, 2)) as ytd_revenue_target,
        cast(ytd_net_revenue as decimal(18, 2)) as ytd_net_revenue,
        cast(ytd_net_revenue / nullif(ytd_revenue_target, 0) as double) as ytd_attainment_rate,
        cast(ytd_revenue_target - ytd_net_revenue as decimal(18, 2)) as ytd_gap_to_target
    from year_to_date

)

select * from final
