{{ config(enabled=var('enable_pipeline')) }}

with

activities as (

    select * from {{ ref('stg_crm__activities') }}

),

final as (

    select
        activity_id,
        sales_rep_id,
        lead_id,
        opportunity_id,
        activity_type,
        duration_minutes,
        activity_at,
        cast(activity_at as date) as activity_date
    from activities

)

select * from final
