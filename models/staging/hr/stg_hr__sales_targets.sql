{{ config(enabled=var('enable_sales_team')) }}

with

source as (

    {{ select_raw_source('hr', 'sales_targets') }}

),

renamed as (

    select
        -- ids
        {{ surrogate_key(['sales_rep_id', 'target_month']) }} as sales_target_id,
        sales_rep_id,

        -- numerics
        revenue_target::decimal(18, 2) as revenue_target,
        new_customer_target,

        -- dates
        target_month,

        -- timestamps
        _loaded_at as loaded_at

    from source

)

select * from renamed
