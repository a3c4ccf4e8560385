{#
    Every raw product row with the deduplication flags, so a product key delivered twice is
    counted (duplicate_row, conflicting_duplicate, superseded_version) and never decided by file
    order. The data-quality mart reads this; stg_shop__products keeps the latest version.
#}
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
        {# Latest updated_at wins; between rows of one updated_at the latest load, then the
           greatest content hash: never the file order. #}
        row_number() over (
            partition by product_id order by updated_at desc, _loaded_at desc, content_hash desc
        ) as version_rank,
        first_value(content_hash) over (
            partition by product_id order by updated_at desc, _loaded_at desc, content_hash desc
        ) as kept_content_hash,
        max(updated_at) over (partition by product_id) as latest_updated_at
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
        content_hash,
        version_rank = 1 as is_latest_version,
        version_rank > 1 and updated_at = latest_updated_at and content_hash = kept_content_hash
            as is_duplicate_row,
        version_rank > 1 and updated_at = latest_updated_at and content_hash != kept_content_hash
            as is_conflicting_duplicate,
        updated_at < latest_updated_at as is_superseded_version

    from ranked

)

select * from renamed
