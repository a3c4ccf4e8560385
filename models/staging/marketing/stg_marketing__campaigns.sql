{{ config(enabled=var('enable_marketing')) }}

with

source as (

    {{ select_raw_source('marketing', 'campaigns') }}

),

renamed as (

    select
        -- ids
        campaign_id,

        -- strings
        campaign_name,
        {{ standardised_code('campaign_type') }} as campaign_type,

        -- numerics
        discount_rate,
        spend::decimal(18, 2) as spend,

        -- dates
        start_date,
        end_date,

        -- timestamps
        _loaded_at as loaded_at

    from source

)

select * from renamed
