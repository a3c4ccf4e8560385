{{ config(enabled=var('enable_marketing')) }}

with

source as (

    {{ select_raw_source('marketing', 'market_indicators') }}

),

renamed as (

    select
        -- ids
        {{ surrogate_key(['region_code', 'indicator_month']) }} as market_indicator_id,

        -- strings
        {{ standardised_code('region_code') }} as region_code,

        -- numerics
        consumer_confidence_index,

        -- dates
        indicator_month,

        -- timestamps
        _loaded_at as loaded_at

    from source

)

select * from renamed
