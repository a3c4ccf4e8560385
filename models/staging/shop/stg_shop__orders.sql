with

orders as (

    select * from {{ ref('base_shop__orders') }}
    where is_latest_version

),

final as (

    select
        -- ids
        order_id,
        customer_id,
        sales_rep_id,
        campaign_id,
        credited_order_id,

        -- strings
        channel,
        status,
        status_code_as_received,

        -- booleans
        is_guest_order,
        is_credit_note,
        has_non_standard_string,
        has_unknown_status,
        has_unknown_channel,
        has_disordered_timestamps,
        is_future_dated,
        is_before_business_start,
        is_future_dated or is_before_business_start as is_excluded,

        -- dates
        placed_at::date as placed_date,

        -- timestamps
        placed_at,
        paid_at,
        shipped_at,
        delivered_at,
        updated_at,
        loaded_at

    from orders

)

select * from final
