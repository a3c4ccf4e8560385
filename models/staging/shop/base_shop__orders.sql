{#
    Every raw order row, standardised, with the row-level quality flags.
    The data-quality mart reads this; stg_shop__orders keeps the latest version.
#}
with

source as (

    {{ select_raw_source('shop', 'orders') }}

),

hashed as (

    select
        *,
        {{ raw_content_hash('shop', 'orders') }} as content_hash
    from source

),

ranked as (

    select
        *,
        {# Latest updated_at wins; between rows of one updated_at the latest load, then the
           greatest content hash: never the file order. #}
        row_number() over (
            partition by order_id order by updated_at desc, _loaded_at desc, content_hash desc
        ) as version_rank,
        first_value(content_hash) over (
            partition by order_id order by updated_at desc, _loaded_at desc, content_hash desc
        ) as kept_content_hash,
        max(updated_at) over (partition by order_id) as latest_updated_at,
        coalesce(channel != lower(trim(channel)), false) as has_non_standard_string,
        coalesce(placed_at > {{ as_of_timestamp() }}, false) as is_future_dated,
        {# Before the business existed: a wrong-century typo or an epoch-zero default. #}
        coalesce(placed_at < cast('{{ var("business_start_date") }}' as timestamp), false)
            as is_before_business_start,
        coalesce(
            lower(trim(status)) not in (
                select order_statuses.status_code from {{ ref('order_statuses') }} as order_statuses
                where order_statuses.status_code != 'unknown'
            ),
            true
        ) as has_unknown_status,
        {{ is_unknown_code('lower(trim(channel))', 'channels', 'channel_code', "channel_group = 'order_channel'") }}
            as has_unknown_channel,
        coalesce(paid_at < placed_at, false)
        or coalesce(shipped_at < coalesce(paid_at, placed_at), false)
        or coalesce(delivered_at < shipped_at, false) as has_disordered_timestamps
    from hashed

),

renamed as (

    select
        -- ids
        order_id,
        customer_id,
        sales_rep_id,
        campaign_id,
        credited_order_id,
        order_id::varchar || '#' || version_rank::varchar as source_row_id,

        -- strings
        coalesce(lower(trim(channel)), 'unknown') as channel,
        channel as channel_as_received,
        case when has_unknown_status then 'unknown' else lower(trim(status)) end as status,
        status as status_code_as_received,

        -- booleans
        customer_id is null as is_guest_order,
        credited_order_id is not null as is_credit_note,

        -- timestamps
        placed_at,
        paid_at,
        shipped_at,
        delivered_at,
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
        has_non_standard_string,
        is_future_dated,
        is_before_business_start,
        has_unknown_status,
        has_unknown_channel,
        {# A wrong-century placed_at is one finding (future_timestamp or before_business_start), not two. #}
        has_disordered_timestamps and not is_future_dated and not is_before_business_start
            as has_disordered_timestamps

    from ranked

)

select * from renamed
