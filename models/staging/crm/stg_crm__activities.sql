{{ config(enabled=var('enable_pipeline')) }}

with

source as (

    {{ select_raw_source('crm', 'activities') }}

),

renamed as (

    select
        -- ids
        activity_id,
        sales_rep_id,
        lead_id,
        opportunity_id,

        -- strings
        {{ standardised_code('activity_type') }} as activity_type,

        -- numerics
        duration_minutes,

        -- timestamps
        activity_at,
        _loaded_at as loaded_at

    from source

)

select * from renamed
