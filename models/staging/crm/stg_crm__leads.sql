{{ config(enabled=var('enable_pipeline', true)) }}

with

source as (

    {{ select_raw_source('crm', 'leads') }}

),

latest as (

    select * from source
    qualify row_number() over (partition by lead_id order by updated_at desc, _loaded_at desc) = 1

),

renamed as (

    select
        -- ids
        lead_id,
        sales_rep_id,

        -- strings
        lower(trim(lead_source)) as lead_source,
        lower(trim(region_code)) as region_code,
        company_name,
        contact_email,
        industry,
        lower(trim(status)) as lead_status,

        -- booleans
        first_contacted_at is not null as is_contacted,
        converted_at is not null as is_converted,

        -- timestamps
        created_at,
        first_contacted_at,
        converted_at,
        updated_at,
        _loaded_at as loaded_at

    from latest

)

select * from renamed
