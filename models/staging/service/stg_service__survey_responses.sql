{{ config(enabled=var('enable_service')) }}

with

source as (

    {{ select_raw_source('service', 'survey_responses') }}

),

renamed as (

    select
        -- ids
        response_id,
        customer_id,

        -- numerics
        nps_score,
        csat_score,

        -- timestamps
        responded_at,
        _loaded_at as loaded_at

    from source

)

select * from renamed
