{#- A table, not a view: it ranks every raw version itself, which many models and tests would
    otherwise recompute from the raw file. -#}
{{ config(enabled=var('enable_pipeline'), materialized='table') }}

with

source as (

    {{ select_raw_source('crm', 'leads') }}

),

latest as (

    select * from source
    qualify row_number() over (
        partition by lead_id {{ latest_version_order(raw_content_hash('crm', 'leads')) }}
    ) = 1

),

renamed as (

    select
        -- ids
        lead_id,
        sales_rep_id,

        -- strings
        {{ standardised_code('lead_source', 'unknown') }} as lead_source,
        lead_source as lead_source_as_received,
        {{ standardised_code('region_code', 'unknown') }} as region_code,
        company_name,
        contact_email,
        industry,
        {{ standardised_code('status', 'unknown') }} as lead_status,

        -- booleans
        first_contacted_at is not null as is_contacted,
        converted_at is not null as is_converted,
        {{ is_unknown_code(
            standardised_code('lead_source'), 'channels', 'channel_code', "channel_group = 'lead_source'"
        ) }}
        or {{ is_unknown_code(standardised_code('region_code'), 'regions', 'region_code') }} as has_unknown_code,

        -- timestamps
        created_at,
        first_contacted_at,
        converted_at,
        updated_at,
        _loaded_at as loaded_at

    from latest

)

select * from renamed
