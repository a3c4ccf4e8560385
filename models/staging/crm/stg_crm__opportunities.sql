{#- A table, not a view: it ranks every raw version itself, which many models and tests would
    otherwise recompute from the raw file. -#}
{{ config(enabled=var('enable_pipeline'), materialized='table') }}

with

source as (

    {{ select_raw_source('crm', 'opportunities') }}

),

latest as (

    select * from source
    qualify row_number() over (
        partition by opportunity_id {{ latest_version_order(raw_content_hash('crm', 'opportunities')) }}
    ) = 1

),

renamed as (

    select
        -- ids
        opportunity_id,
        lead_id,
        customer_id,
        sales_rep_id,

        -- strings
        opportunity_name,
        {{ standardised_code('stage') }} as stage_name,

        -- numerics
        amount::decimal(18, 2) as amount,

        -- booleans
        closed_at is not null as is_closed,
        coalesce(closed_at < created_at, false) as has_disordered_timestamps,
        {{ standardised_code('stage') }} = 'closed_won' as is_won,

        -- dates
        expected_close_date,

        -- timestamps
        created_at,
        closed_at,
        updated_at,
        _loaded_at as loaded_at

    from latest

)

select * from renamed
