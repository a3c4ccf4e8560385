{{ config(enabled=var('enable_sales_team')) }}

{#
    The rep scorecard: one row per sales rep per month. Measures come from
    int_sales_rep_months_measured, scores from int_sales_rep_scorecard_scored and commission from
    int_sales_commission_calculated. Ranks use rank(): reps with equal balanced scores share a rank.
#}

with

rep_months as (

    select * from {{ ref('int_sales_rep_months_measured') }}

),

scorecard as (

    select * from {{ ref('int_sales_rep_scorecard_scored') }}

),

commissions as (

    select * from {{ ref('int_sales_commission_calculated') }}

),

joined as (

    select
        rep_months.*,
        scorecard.financial_score,
        scorecard.customer_score,
        scorecard.internal_process_score,
        scorecard.learning_growth_score,
        scorecard.balanced_score,
        scorecard.missing_kpi_count,
        commissions.commission_amount,
        commissions.commission_tier_reached
    from rep_months
    left join scorecard
        on
            rep_months.sales_rep_id = scorecard.sales_rep_id
            and rep_months.month_start_date = scorecard.month_start_date
    left join commissions
        on
            rep_months.sales_rep_id = commissions.sales_rep_id
            and rep_months.month_start_date = commissions.month_start_date

),

final as (

    select
        rep_month_id,
        sales_rep_id,
        month_start_date,
        team_id,
        region_code,

        -- sales results
        net_revenue,
        revenue_target,
        attainment_rate,
        margin_amount,
        gross_margin_rate,
        new_customers,
        order_count,
        opportunities_won,
        opportunities_lost,
        won_amount,
        lost_amount,
        win_rate_by_count,
        win_rate_by_amount,
        average_deal_size,
        sales_cycle_days,

        -- activity and service
        calls,
        emails,
        visits,
        meetings,
        leads_created,
        leads_followed_up,
        follow_up_rate,
        ticket_count,
        rated_ticket_count,
        customer_csat,
        average_first_response_hours,
        training_hours,

        -- scorecard
        cast(financial_score as double) as financial_score,
        cast(customer_score as double) as customer_score,
        cast(internal_process_score as double) as internal_process_score,
        cast(learning_growth_score as double) as learning_growth_score,
        cast(balanced_score as double) as balanced_score,
        cast(missing_kpi_count as bigint) as missing_kpi_count,
        cast(rank() over (
            partition by month_start_date, team_id order by balanced_score desc
        ) as bigint) as rank_in_team,
        cast(rank() over (
            partition by month_start_date order by balanced_score desc
        ) as bigint) as rank_overall,

        -- commission
        commission_amount,
        commission_tier_reached

    from joined

)

select * from final
