{#
    Every raw order row, standardised, with the row-level quality flags.
    The data-quality mart reads this; stg_shop__orders keeps the latest version.
#}
with

source as (

    {{ select_raw_source('shop', 'orders') }}

),

ranked as (

    select
        *,
        row_number() over (
            partition by order_id order by updated_at desc, _loaded_at desc
        ) as version_rank,
        max(updated_at) over (partition by order_id) as latest_updated_at,
        coalesce(channel != lower(trim(channel)), false) as has_non_standard_string,
        coalesce(placed_at > {{ as_of_timestamp() }}, false) as is_future_dated,
        coalesce(status not in ({{ quoted_list(var('order_statuses')) }}), true) as has_unknown_status
    from source

),

renamed as (

    select
        -- ids
        order_id,
        customer_id,
        sales_rep_id,
        campaign_id,
        order_id::varchar || '#' || version_rank::varchar as source_row_id,

        -- strings
        lower(trim(channel)) as channel,
        channel as channel_as_received,
        case when has_unknown_status then 'unknown' else status end as status,
        status as status_code_as_received,

        -- timestamps
        placed_at,
        paid_at,
        shipped_at,
        delivered_at,
        updated_at,
        _loaded_at as loaded_at,

        -- quality flags
        version_rank = 1 as is_latest_version,
        version_rank > 1 and updated_at = latest_updated_at as is_duplicate_row,
        updated_at < latest_updated_at as is_superseded_version,
        has_non_standard_string,
        is_future_dated,
        has_unknown_status

    from ranked

)

select * from renamed
