{#
    Every raw customer row, standardised, with the row-level quality flags.
    The data-quality mart reads this; stg_shop__customers keeps the latest version.
#}
{#- A table, not a view: hashing and ranking every raw version runs once per build; staging,
    the data-quality mart and tests read the result. -#}
{{ config(materialized='table') }}

with

source as (

    {{ select_raw_source('shop', 'customers') }}

),

hashed as (

    select
        *,
        {{ raw_content_hash('shop', 'customers') }} as content_hash
    from source

),

ranked as (

    select
        *,
        {{ version_ranking(['customer_id']) }},
        coalesce(not regexp_full_match(email, '[^@\s]+@[^@\s]+\.[^@\s]+'), true) as has_invalid_email,
        {{ is_non_standard_code('gender') }}
        or {{ is_non_standard_code('region_code') }} as has_non_standard_string,
        {{ is_unknown_code(standardised_code('region_code'), 'regions', 'region_code') }}
        or {{ is_unknown_code(standardised_code('customer_type'), 'customer_types', 'customer_type') }}
            as has_unknown_code
    from hashed

),

renamed as (

    select
        -- ids
        customer_id,
        owner_sales_rep_id,
        customer_id::varchar || '#' || version_rank::varchar as source_row_id,

        -- strings
        customer_name,
        email,
        phone,
        {{ standardised_code('gender', 'unknown') }} as gender,
        gender as gender_as_received,
        city,
        {{ standardised_code('region_code', 'unknown') }} as region_code,
        region_code as region_code_as_received,
        {{ standardised_code('customer_type', 'unknown') }} as customer_type,
        customer_type as customer_type_as_received,
        industry,
        acquisition_channel,
        interests,

        -- dates
        birth_date,

        -- timestamps
        created_at,
        updated_at,
        _loaded_at as loaded_at,

        -- quality flags
        {{ version_flags() }},
        has_invalid_email,
        has_non_standard_string,
        has_unknown_code

    from ranked

)

select * from renamed
