with

products as (

    select * from {{ ref('base_shop__products') }}
    where is_latest_version

),

final as (

    select
        -- ids
        product_id,

        -- strings
        product_name,
        category,
        subcategory,
        brand,

        -- numerics
        list_price,
        unit_cost,

        -- dates
        launched_on,
        discontinued_on,

        -- timestamps
        updated_at,
        loaded_at

    from products

)

select * from final
