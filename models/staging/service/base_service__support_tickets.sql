{#- A table, not a view: hashing and ranking every raw version runs once per build; staging,
    the data-quality mart and tests read the result. -#}
{{ config(enabled=var('enable_service'), materialized='table') }}

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
        {{ version_ranking(['ticket_id']) }}
    from hashed

),

renamed as (

    select
        -- ids
        ticket_id,
        customer_id,
        ticket_id::varchar || '#' || version_rank::varchar as source_row_id,

        -- strings
        {{ standardised_code('channel') }} as channel,
        {{ standardised_code('priority') }} as priority,
        {{ standardised_code('category') }} as category,
        {{ standardised_code('status') }} as ticket_status,

        -- numerics
        csat_score,

        -- timestamps
        opened_at,
        first_response_at,
        resolved_at,
        updated_at,
        _loaded_at as loaded_at,

        -- quality flags
        {{ version_flags() }}

    from ranked

)

select * from renamed
