{{ config(enabled=var('enable_service')) }}

with

tickets as (

    select * from {{ ref('base_service__support_tickets') }}
    where is_latest_version

),

final as (

    select
        -- ids
        ticket_id,
        customer_id,
        source_row_id,

        -- strings
        channel,
        priority,
        category,
        ticket_status,

        -- numerics
        csat_score,

        -- timestamps
        opened_at,
        first_response_at,
        resolved_at,
        updated_at,
        loaded_at

    from tickets

)

select * from final
