{#- A table, not a view: it ranks every raw version itself, which many models and tests would
    otherwise recompute from the raw file. -#}
{{ config(enabled=var('enable_sales_team'), materialized='table') }}

with

source as (

    {{ select_raw_source('hr', 'sales_reps') }}

),

latest as (

    select * from source
    qualify row_number() over (
        partition by sales_rep_id {{ latest_version_order(raw_content_hash('hr', 'sales_reps')) }}
    ) = 1

),

renamed as (

    select
        -- ids
        sales_rep_id,
        team_id,

        -- strings
        rep_name,
        email,
        {{ standardised_code('region_code') }} as region_code,
        {{ standardised_code('level') }} as rep_level,

        -- dates
        hired_on,
        left_on,

        -- timestamps
        updated_at,
        _loaded_at as loaded_at

    from latest

)

select * from renamed
