{{ config(enabled=var('enable_service')) }}

{#
    Every raw ticket row with the row-level quality flags.
    The data-quality mart reads this; stg_service__support_tickets keeps the latest version.
#}
with

source as (

    {{ select_raw_source('service', 'support_tickets') }}

),

hashed as (

    select
        *,
        {{ raw_content_hash('service', 'support_tickets') }} as content_hash
    from source

),

ranked as (

    select
        *,
        {# Latest updated_at wins; between rows of one updated_at the latest load, then the
           greatest content hash: never the file order. #}
        row_number() over (
            partition by ticket_id order by updated_at desc, _loaded_at desc, content_hash desc
        ) as version_rank,
        first_value(content_hash) over (
            partition by ticket_id order by updated_at desc, _loaded_at desc, content_hash desc
        ) as kept_content_hash,
        max(updated_at) over (partition by ticket_id) as latest_updated_at
    from hashed

),

renamed as (

    select
        -- ids
        ticket_id,
        customer_id,
        ticket_id::varchar || '#' || version_rank::varchar as source_row_id,

        -- strings
        lower(trim(channel)) as channel,
        lower(trim(priority)) as priority,
        lower(trim(category)) as category,
        lower(trim(status)) as ticket_status,

        -- numerics
        csat_score,

        -- timestamps
        opened_at,
        first_response_at,
        resolved_at,
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
