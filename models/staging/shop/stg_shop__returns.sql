with

source as (

    {{ select_raw_source('shop', 'returns') }}

),

renamed as (

    select
        -- ids
        return_id,
        order_id,
        line_number,
        product_id,

        -- strings
        reason as return_reason,

        -- numerics
        quantity as returned_quantity,
        refund_amount::decimal(18, 2) as refund_amount,

        -- timestamps
        returned_at,
        _loaded_at as loaded_at

    from source

)

select * from renamed
