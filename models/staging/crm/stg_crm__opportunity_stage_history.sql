{{ config(enabled=var('enable_pipeline')) }}

with

source as (

    {{ select_raw_source('crm', 'opportunity_stage_history') }}

),

renamed as (

    select
        -- ids
        {{ surrogate_key(['opportunity_id', 'stage']) }} as stage_event_id,
        opportunity_id,

        -- strings
        {{ standardised_code('stage') }} as stage_name,

        -- numerics
        amount::decimal(18, 2) as amount,

        -- timestamps
        entered_at,
        _loaded_at as loaded_at

    from source

)

select * from renamed
