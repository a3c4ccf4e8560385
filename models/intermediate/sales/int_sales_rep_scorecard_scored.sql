{{ config(enabled=var('enable_sales_team')) }}

{#
    One row per sales rep per month with the balanced-scorecard scores, driven by the
    scorecard_weights seed (one row per KPI: perspective, weight, higher_is_better).

    KPI score (0-100) = percent_rank x 100 of the rep's KPI value among all reps with a value in
    the same month, ascending when higher_is_better, descending otherwise: the best rep scores 100,
    the worst 0, and tied reps share the lower score. A missing KPI (null: no target, no closed
    opportunity, no rated ticket, domain switched off, or a seed KPI with no measure here) scores
    a neutral 50, as does a KPI that only one rep has that month (nothing to compare with).
    Perspective score = weight-averaged KPI scores of the perspective; balanced_score = sum of
    KPI score x weight (weights sum to 1, so it is 0-100 too). Scores are rounded to 6 decimals
    so that mathematically equal scores are equal (and share a rank) despite float noise.
#}

with

rep_months as (

    select * from {{ ref('int_sales_rep_months_measured') }}

),

scorecard_weights as (

    select * from {{ ref('scorecard_weights') }}

),

kpi_values as (

    select
        rep_months.sales_rep_id,
        rep_months.month_start_date,
        scorecard_weights.perspective,
        scorecard_weights.kpi_name,
        cast(scorecard_weights.weight as double) as weight,
        scorecard_weights.higher_is_better,
        cast(
            case scorecard_weights.kpi_name
                when 'revenue_attainment' then rep_months.attainment_rate
                when 'gross_margin_rate' then rep_months.gross_margin_rate
                when 'customer_csat' then rep_months.customer_csat
                when 'new_customers' then rep_months.new_customers
                when 'win_rate' then rep_months.win_rate_by_count
                when 'followup_rate' then rep_months.follow_up_rate
                when 'sales_cycle_days' then rep_months.sales_cycle_days
                when 'training_hours' then rep_months.training_hours
            end as double
        ) as kpi_value
    from rep_months
    cross join scorecard_weights

),

kpi_ranked as (

    select
        *,
        count(kpi_value) over (partition by month_start_date, kpi_name) as reps_with_value,
        percent_rank() over (
            partition by month_start_date, kpi_name, kpi_value is null
            order by case when higher_is_better then kpi_value else -kpi_value end
        ) as kpi_percent_rank
    from kpi_values

),

kpi_scored as (

    select
        *,
        case
            when kpi_value is null or reps_with_value < 2 then 50.0
            else 100.0 * kpi_percent_rank
        end as kpi_score
    from kpi_ranked

),

final as (

    select
        sales_rep_id,
        month_start_date,
        round(
            sum(kpi_score * weight) filter (where perspective = 'financial')
            / nullif(sum(weight) filter (where perspective = 'financial'), 0), 6
        ) as financial_score,
        round(
            sum(kpi_score * weight) filter (where perspective = 'customer')
            / nullif(sum(weight) filter (where perspective = 'customer'), 0), 6
        ) as customer_score,
        round(
            sum(kpi_score * weight) filter (where perspective = 'internal_process')
            / nullif(sum(weight) filter (where perspective = 'internal_process'), 0), 6
        ) as internal_process_score,
        round(
            sum(kpi_score * weight) filter (where perspective = 'learning_growth')
            / nullif(sum(weight) filter (where perspective = 'learning_growth'), 0), 6
        ) as learning_growth_score,
        round(sum(kpi_score * weight), 6) as balanced_score,
        count(*) filter (where kpi_value is null) as missing_kpi_count
    from kpi_scored
    group by sales_rep_id, month_start_date

)

select * from final
