{{ config(enabled=var('enable_sales_team')) }}

with

targets as (

    select * from {{ ref('stg_hr__sales_targets') }}

),

final as (

    select
        sales_target_id,
        sales_rep_id,
        target_month,
        revenue_target,
        new_customer_target
    from targets

)

select * from final
