{#
    Every raw order row, standardised, with the row-level quality flags.
    The data-quality mart reads this; stg_shop__orders keeps the latest version.
#}
{#- A table, not a view: hashing and ranking every raw version is the expensive step of the
    order chain, so it runs once per build; staging, the data-quality mart and tests read it. -#}
{{ config(materialized='table') }}

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
        {{ version_ranking(['order_id']) }},
        {{ is_non_standard_code('channel') }} as has_non_standard_string,
        coalesce(placed_at > {{ as_of_timestamp() }}, false) as is_future_dated,
        {# Before the business existed: a wrong-century typo or an epoch-zero default. #}
        coalesce(placed_at < cast('{{ var("business_start_date") }}' as timestamp), false)
            as is_before_business_start,
        coalesce(
            {{ standardised_code('status') }} not in (
                select order_statuses.status_code from {{ ref('order_statuses') }} as order_statuses
                where order_statuses.status_code != 'unknown'
            ),
            true
        ) as has_unknown_status,
        {{ is_unknown_code(
            standardised_code('channel'), 'channels', 'channel_code', "channel_group = 'order_channel'"
        ) }} as has_unknown_channel,
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
        {{ standardised_code('channel', 'unknown') }} as channel,
        channel as channel_as_received,
        case when has_unknown_status then 'unknown' else {{ standardised_code('status') }} end as status,
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
        {{ version_flags() }},
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
