{{ config(enabled=var('enable_sales_team')) }}

{#
    One row per sales team per month, rolled up from rep_performance_monthly (team = the rep's
    team at the end of the month). Rates are recomputed from the summed parts, not averaged over
    reps: attainment = team revenue / team quota, win rate = won / closed, csat = mean over the
    rated tickets of the team's customers. average_balanced_score is the plain mean over reps.
#}

with

rep_performance as (

    select * from {{ ref('rep_performance_monthly') }}

),

sales_teams as (

    select * from {{ ref('stg_hr__sales_teams') }}

),

team_months as (

    select
        team_id,
        month_start_date,
        count(*) as rep_count,
        sum(net_revenue) as net_revenue,
        sum(revenue_target) as revenue_target,
        sum(margin_amount) as margin_amount,
        sum(order_count) as order_count,
        sum(new_customers) as new_customers,
        sum(opportunities_won) as opportunities_won,
        sum(opportunities_lost) as opportunities_lost,
        sum(won_amount) as won_amount,
        sum(lost_amount) as lost_amount,
        sum(rated_ticket_count) as rated_ticket_count,
        sum(customer_csat * rated_ticket_count) as csat_score_total,
        avg(balanced_score) as average_balanced_score,
        sum(commission_amount) as commission_amount
    from rep_performance
    group by team_id, month_start_date

),

final as (

    select
        {{ surrogate_key(['team_months.team_id', 'team_months.month_start_date']) }} as team_month_id,
        team_months.team_id,
        sales_teams.team_name,
        sales_teams.region_code,
        team_months.month_start_date,
        cast(team_months.rep_count as bigint) as rep_count,
        cast(team_months.net_revenue as decimal(18, 2)) as net_revenue,
        cast(team_months.revenue_target as decimal(18, 2)) as revenue_target,
        cast(team_months.net_revenue / nullif(team_months.revenue_target, 0) as double) as attainment_rate,
        cast(team_months.margin_amount / nullif(team_months.net_revenue, 0) as double) as gross_margin_rate,
        cast(team_months.order_count as bigint) as order_count,
        cast(team_months.new_customers as bigint) as new_customers,
        cast(team_months.opportunities_won as bigint) as opportunities_won,
        cast(team_months.opportunities_lost as bigint) as opportunities_lost,
        cast(
            team_months.opportunities_won
            / nullif(team_months.opportunities_won + team_months.opportunities_lost, 0) as double
        ) as win_rate_by_count,
        cast(
            team_months.won_amount / nullif(team_months.won_amount + team_months.lost_amount, 0) as double
        ) as win_rate_by_amount,
        cast(team_months.csat_score_total / nullif(team_months.rated_ticket_count, 0) as double)
            as customer_csat,
        cast(team_months.average_balanced_score as double) as average_balanced_score,
        cast(team_months.commission_amount as decimal(18, 2)) as commission_amount
    from team_months
    left join sales_teams
        on team_months.team_id = sales_teams.team_id

)

select * from final
