{{ config(enabled=var('enable_service')) }}

{#
    One row per customer and month in which the customer opened at least one valid ticket: whether
    any of those tickets breached the first-response SLA, and whether the customer placed a
    revenue order within var('repurchase_window_days') days after the reference ticket.
    The reference ticket is the month's first breached ticket when there is one (the experience
    that may drive the customer away), else the month's first ticket. Orders placed at or before
    the reference ticket's opening do not count.
#}
with

tickets as (

    select * from {{ ref('fct_support_tickets') }}

),

orders as (

    select * from {{ ref('fct_orders') }}
    where is_revenue

),

customer_months as (

    select
        customer_id,
        {{ month_start('opened_at') }} as month_start_date,
        count(*) as tickets_opened,
        coalesce(bool_or(is_sla_breached), false) as has_sla_breach,
        min(opened_at) as first_ticket_opened_at,
        min(case when is_sla_breached then opened_at end) as first_breached_ticket_opened_at
    from tickets
    group by
        customer_id,
        {{ month_start('opened_at') }}

),

referenced as (

    select
        customer_id,
        month_start_date,
        tickets_opened,
        has_sla_breach,
        coalesce(first_breached_ticket_opened_at, first_ticket_opened_at) as reference_opened_at,
        {{ dbt.dateadd(
            'day',
            var('repurchase_window_days'),
            'coalesce(first_breached_ticket_opened_at, first_ticket_opened_at)'
        ) }} as window_ends_at
    from customer_months

),

repurchases as (

    select
        referenced.customer_id,
        referenced.month_start_date,
        min(orders.placed_at) as first_repurchase_at
    from referenced
    inner join orders
        on
            referenced.customer_id = orders.customer_id
            and referenced.reference_opened_at < orders.placed_at
            and referenced.window_ends_at >= orders.placed_at
    group by
        referenced.customer_id,
        referenced.month_start_date

),

final as (

    select
        referenced.customer_id,
        referenced.month_start_date,
        cast(referenced.tickets_opened as bigint) as tickets_opened,
        referenced.has_sla_breach,
        referenced.reference_opened_at,
        repurchases.first_repurchase_at,
        repurchases.first_repurchase_at is not null as has_repurchase
    from referenced
    left join repurchases
        on
            referenced.customer_id = repurchases.customer_id
            and referenced.month_start_date = repurchases.month_start_date

)

select * from final
