{#
    Every raw order row, standardised, with the row-level quality flags.
    The data-quality mart reads this; stg_shop__orders keeps the latest version.
#}
with

source as (

    select * from {{ source('shop', 'orders') }}

),

ranked as (

    select
        *,
        row_number() over (
            partition by order_id order by updated_at desc, _loaded_at desc
        ) as version_rank,
        max(updated_at) over (partition by order_id) as latest_updated_at
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
        case
            when status in ({{ quoted_list(var('order_statuses')) }}) then status
            else 'unknown'
        end as status,
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
        channel != lower(trim(channel)) as has_non_standard_string,
        placed_at > {{ as_of_timestamp() }} as is_future_dated,
        status not in ({{ quoted_list(var('order_statuses')) }}) as has_unknown_status

    from ranked

)

select * from renamed
