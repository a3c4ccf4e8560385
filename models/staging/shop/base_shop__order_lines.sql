{#
    Every raw order-line row with the row-level quality flags.
    The data-quality mart reads this; stg_shop__order_lines keeps the latest version.
    Prices and costs keep four decimals: amounts are rounded to cents only after multiplying
    by the quantity (rounding the price first is off by cents per line on 3-decimal prices).
#}
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
        {# Latest updated_at wins; between rows of one updated_at the latest load, then the
           greatest content hash: never the file order. #}
        row_number() over (
            partition by order_id, line_number order by updated_at desc, _loaded_at desc, content_hash desc
        ) as version_rank,
        first_value(content_hash) over (
            partition by order_id, line_number order by updated_at desc, _loaded_at desc, content_hash desc
        ) as kept_content_hash,
        max(updated_at) over (partition by order_id, line_number) as latest_updated_at,
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
        content_hash,
        version_rank = 1 as is_latest_version,
        version_rank > 1 and updated_at = latest_updated_at and content_hash = kept_content_hash
            as is_duplicate_row,
        version_rank > 1 and updated_at = latest_updated_at and content_hash != kept_content_hash
            as is_conflicting_duplicate,
        updated_at < latest_updated_at as is_superseded_version,
        has_negative_quantity,
        has_negative_price,
        is_missing_cost

    from ranked

)

select * from renamed
