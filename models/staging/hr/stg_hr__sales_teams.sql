{{ config(enabled=var('enable_sales_team')) }}

with

source as (

    {{ select_raw_source('hr', 'sales_teams') }}

),

renamed as (

    select
        -- ids
        team_id,

        -- strings
        team_name,
        {{ standardised_code('region_code') }} as region_code,
        manager_name,

        -- dates
        created_on,

        -- timestamps
        _loaded_at as loaded_at

    from source

)

select * from renamed
