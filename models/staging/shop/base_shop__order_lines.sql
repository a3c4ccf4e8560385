{#
    Every raw order-line row with the row-level quality flags.
    The data-quality mart reads this; stg_shop__order_lines keeps the latest version.
    Prices and costs keep four decimals: amounts are rounded to cents only after multiplying
    by the quantity (rounding the price first is off by cents per line on 3-decimal prices).
#}
{#- A table, not a view: hashing and ranking every raw version is the expensive step of the
    order chain, so it runs once per build; staging, the data-quality mart and tests read it. -#}
{{ config(materialized='table') }}

with

source as (

    {{ select_raw_source('shop', 'order_lines') }}

),

hashed as (

    select
        *,
        {{ raw_content_hash('shop', 'order_lines') }} as content_hash
    from source

),

ranked as (

    select
        *,
        {{ version_ranking(['order_id', 'line_number']) }},
        coalesce(quantity < 0, false) as has_negative_quantity,
        coalesce(unit_price < 0, false) as has_negative_price,
        unit_cost is null as is_missing_cost
    from hashed

),

renamed as (

    select
        -- ids
        order_id,
        line_number,
        product_id,
        order_id::varchar || '-' || line_number::varchar || '#' || version_rank::varchar as source_row_id,

        -- numerics
        quantity,
        unit_price::decimal(18, 4) as unit_price,
        coalesce(discount_amount, 0)::decimal(18, 2) as discount_amount,
        unit_cost::decimal(18, 4) as unit_cost,

        -- timestamps
        updated_at,
        _loaded_at as loaded_at,

        -- quality flags
        {{ version_flags() }},
        has_negative_quantity,
        has_negative_price,
        is_missing_cost

    from ranked

)

select * from renamed
