with

source as (

    select * from {{ source('shop', 'products') }}

),

renamed as (

    select
        -- ids
        product_id,

        -- strings
        product_name,
        category,
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
        _loaded_at as loaded_at

    from source

)

select * from renamed
