{{ config(enabled=var('enable_sales_team')) }}

{#
    Monthly revenue quota per region: the reps' quotas (fct_sales_targets) added up to the region
    each rep covers (the rep's current region in dim_sales_reps).
#}
with

sales_targets as (

    select * from {{ ref('fct_sales_targets') }}

),

sales_reps as (

    select * from {{ ref('dim_sales_reps') }}

),

final as (

    select
        coalesce(sales_reps.region_code, 'unknown') as region_code,
        sales_targets.target_month,
        cast(sum(sales_targets.revenue_target) as decimal(18, 2)) as revenue_target,
        count(distinct sales_targets.sales_rep_id) as rep_count
    from sales_targets
    left join sales_reps
        on sales_targets.sales_rep_id = sales_reps.sales_rep_id
    group by
        coalesce(sales_reps.region_code, 'unknown'),
        sales_targets.target_month

)

select * from final
