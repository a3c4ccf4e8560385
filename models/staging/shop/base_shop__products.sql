{#
    Every raw product row with the deduplication flags, so a product key delivered twice is
    counted (duplicate_row, conflicting_duplicate, superseded_version) and never decided by file
    order. The data-quality mart reads this; stg_shop__products keeps the latest version.
#}
{#- A table, not a view: hashing and ranking every raw version runs once per build; staging,
    the data-quality mart and tests read the result. -#}
{{ config(materialized='table') }}

with

source as (

    {{ select_raw_source('shop', 'products') }}

),

hashed as (

    select
        *,
        {{ raw_content_hash('shop', 'products') }} as content_hash
    from source

),

ranked as (

    select
        *,
        {{ version_ranking(['product_id']) }}
    from hashed

),

renamed as (

    select
        -- ids
        product_id,
        product_id::varchar || '#' || version_rank::varchar as source_row_id,

        -- strings
        product_name,
        coalesce(category, 'unknown') as category,
        category as category_as_received,
        subcategory,
        brand,

        -- numerics
        list_price::decimal(18, 2) as list_price,
        unit_cost::decimal(18, 2) as unit_cost,

        -- dates
        launched_on,
        discontinued_on,

        -- timestamps
        updated_at,
        _loaded_at as loaded_at,

        -- quality flags
        {{ version_flags() }}

    from ranked

)

select * from renamed
