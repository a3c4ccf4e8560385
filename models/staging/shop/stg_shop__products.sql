with

source as (

    {{ select_raw_source('shop', 'products') }}

),

latest as (

    select * from source
    qualify row_number() over (partition by product_id order by updated_at desc, _loaded_at desc) = 1

),

renamed as (

    select
        -- ids
        product_id,

        -- strings
        product_name,
        coalesce(category, 'unknown') as category,
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

    from latest

)

select * from renamed
