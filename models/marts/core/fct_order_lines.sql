{{
    config(
        materialized='incremental',
        unique_key=['order_id', 'line_number'],
        incremental_strategy='merge',
        on_schema_change='fail'
    )
}}

with

order_lines as (

    select * from {{ ref('int_order_lines_priced') }}
    {% if is_incremental() %}
    {# New loads of the line or its order: late-arriving corrections and status changes. #}
    where
        source_loaded_at > (
            select max(existing.source_loaded_at) as last_loaded_at from {{ this }} as existing
        )
    {% endif %}

),

final as (

    select
        order_lines.order_line_id,
        order_lines.order_id,
        order_lines.line_number,
        order_lines.customer_id,
        order_lines.product_id,
        order_lines.sales_rep_id,
        order_lines.campaign_id,
        order_lines.credited_order_id,
        order_lines.channel,
        order_lines.order_status,
        order_lines.is_revenue,
        order_lines.is_credit_note,
        order_lines.quantity,
        order_lines.unit_price,
        order_lines.unit_cost,
        order_lines.gross_amount,
        order_lines.discount_amount,
        order_lines.net_amount,
        order_lines.cost_amount,
        order_lines.margin_amount,
        order_lines.placed_at,
        order_lines.placed_date,
        order_lines.source_updated_at,
        order_lines.source_loaded_at
    from order_lines

)

select * from final
