{{ config(enabled=var('enable_marketing')) }}

{#
    One row per region per month: the external consumer confidence index, so revenue can be read
    next to the market it was earned in (the source document's "market index" driver). Exposed in
    the semantic layer as the metric consumer_confidence.
#}

with

market_indicators as (

    select * from {{ ref('stg_marketing__market_indicators') }}

),

final as (

    select
        market_indicator_id,
        region_code,
        {{ month_start('indicator_month') }} as month_start_date,
        cast(consumer_confidence_index as double) as consumer_confidence_index,
        loaded_at
    from market_indicators

)

select * from final
