with

returns as (

    select * from {{ ref('stg_shop__returns') }}

),

order_lines as (

    select * from {{ ref('fct_order_lines') }}

),

final as (

    select
        returns.return_id,
        returns.order_id,
        returns.line_number,
        order_lines.order_line_id,
        order_lines.customer_id,
        returns.product_id,
        order_lines.sales_rep_id,
        returns.return_reason,
        returns.returned_quantity,
        returns.refund_amount,
        returns.returned_at,
        cast(returns.returned_at as date) as returned_date,
        {{ dbt.datediff('order_lines.placed_at', 'returns.returned_at', 'day') }} as days_since_order
    from returns
    left join order_lines
        on
            returns.order_id = order_lines.order_id
            and returns.line_number = order_lines.line_number

)

select * from final
