{{ config(enabled=var('enable_sales_team')) }}

{#
    One row per sales rep per month with a revenue target: the commission earned under the
    marginal tiers of the commission_tiers seed, like tax brackets. Each tier pays its rate on the
    revenue that falls inside its band of target attainment:
        revenue in tier = target x (min(attainment, attainment_to) - attainment_from), when
        attainment > attainment_from (the open top tier has no attainment_to)
    which equals max(0, min(revenue, target x attainment_to) - target x attainment_from).
    Rep-months without a (positive) target earn no computable commission and are left out.
#}

with

rep_months as (

    select * from {{ ref('int_sales_rep_months_measured') }}
    where revenue_target > 0

),

commission_tiers as (

    select * from {{ ref('commission_tiers') }}

),

revenue_in_tiers as (

    select
        rep_months.sales_rep_id,
        rep_months.month_start_date,
        rep_months.net_revenue,
        rep_months.revenue_target,
        commission_tiers.tier_number,
        commission_tiers.commission_rate,
        greatest(
            least(
                rep_months.net_revenue,
                coalesce(rep_months.revenue_target * commission_tiers.attainment_to, rep_months.net_revenue)
            )
            - rep_months.revenue_target * commission_tiers.attainment_from,
            0
        ) as revenue_in_tier
    from rep_months
    cross join commission_tiers

),

final as (

    select
        sales_rep_id,
        month_start_date,
        cast(sum(revenue_in_tier * commission_rate) as decimal(18, 2)) as commission_amount,
        cast(max(tier_number) filter (where revenue_in_tier > 0) as integer) as commission_tier_reached
    from revenue_in_tiers
    group by sales_rep_id, month_start_date

)

select * from final
