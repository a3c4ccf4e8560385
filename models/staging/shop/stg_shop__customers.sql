with

customers as (

    select * from {{ ref('base_shop__customers') }}
    where is_latest_version

),

final as (

    select
        -- ids
        customer_id,
        owner_sales_rep_id,

        -- strings
        customer_name,
        case when not has_invalid_email then email end as email,
        email as email_as_received,
        phone,
        gender,
        city,
        region_code,
        customer_type,
        industry,
        acquisition_channel,
        interests,

        -- booleans
        has_invalid_email,
        has_non_standard_string,
        has_unknown_code,

        -- dates
        birth_date,

        -- timestamps
        created_at,
        updated_at,
        loaded_at

    from customers

)

select * from final
