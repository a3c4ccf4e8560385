with

order_lines as (

    select * from {{ ref('base_shop__order_lines') }}
    where is_latest_version

),

final as (

    select
        -- ids
        {{ surrogate_key(['order_id', 'line_number']) }} as order_line_id,
        order_id,
        line_number,
        product_id,
        source_row_id,

        -- numerics
        quantity,
        unit_price,
        discount_amount,
        unit_cost,
        (quantity * unit_price)::decimal(18, 2) as gross_amount,
        (quantity * unit_price - discount_amount)::decimal(18, 2) as net_amount,
        (quantity * unit_cost)::decimal(18, 2) as cost_amount,

        -- booleans
        has_negative_quantity,
        has_negative_price,
        is_missing_cost,

        -- timestamps
        updated_at,
        loaded_at

    from order_lines

)

select * from final
