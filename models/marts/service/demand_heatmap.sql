{#
    Demand by ISO weekday (1 = Monday) and hour of day (UTC, as stored): orders placed from
    fct_orders and, with var('enable_service') on, support tickets opened from
    fct_support_tickets. "Per week" divides a cell's count by how many times that weekday occurs
    between the first and the last day of the data, so partial first and last weeks do not bias
    it. Peak cells are the top var('demand_peak_share') of the 168 cells by weekly average.
    With service off the ticket columns are null and the model still builds (commerce only).
#}

{%- set peak_share = var('demand_peak_share') %}
{%- set service_enabled = var('enable_service') %}

with

orders as (

    select * from {{ ref('fct_orders') }}

),

{%- if service_enabled %}

tickets as (

    select * from {{ ref('fct_support_tickets') }}

),

{%- endif %}

weekdays as (

    select unnest(generate_series(1, 7)) as iso_weekday

),

hours as (

    select unnest(generate_series(0, 23)) as hour_of_day

),

cells as (

    select
        weekdays.iso_weekday,
        hours.hour_of_day
    from weekdays
    cross join hours

),

order_ranked as (

    {{ weekday_hour_demand('orders', 'placed_at', 'placed_date', 'orders_placed', 'average_orders_per_week', 'order') }}

),

{%- if service_enabled %}

ticket_ranked as (

    {{ weekday_hour_demand(
        'tickets', 'opened_at', 'opened_date', 'tickets_opened', 'average_tickets_per_week', 'ticket'
    ) }}

),

{%- else %}

ticket_ranked as (

    {# Service is switched off: same columns, all null, so the contract keeps its shape. #}
    select
        iso_weekday,
        hour_of_day,
        cast(null as bigint) as tickets_opened,
        cast(null as double) as average_tickets_per_week,
        cast(null as double) as ticket_share_of_peak,
        cast(null as double) as ticket_percent_rank
    from cells

),

{%- endif %}

final as (

    select
        {# Weekday x 100 + hour: 100 = Monday 00:00, 723 = Sunday 23:00. #}
        cast(order_ranked.iso_weekday * 100 + order_ranked.hour_of_day as integer) as weekday_hour_id,
        cast(order_ranked.iso_weekday as integer) as iso_weekday,
        case order_ranked.iso_weekday
            when 1 then 'Monday'
            when 2 then 'Tuesday'
            when 3 then 'Wednesday'
            when 4 then 'Thursday'
            when 5 then 'Friday'
            when 6 then 'Saturday'
            when 7 then 'Sunday'
        end as weekday_name,
        cast(order_ranked.hour_of_day as integer) as hour_of_day,
        cast(order_ranked.orders_placed as bigint) as orders_placed,
        cast(order_ranked.average_orders_per_week as double) as average_orders_per_week,
        cast(order_ranked.order_share_of_peak as double) as order_share_of_peak,
        order_ranked.order_percent_rank < {{ peak_share }} as is_order_peak,
        cast(ticket_ranked.tickets_opened as bigint) as tickets_opened,
        cast(ticket_ranked.average_tickets_per_week as double) as average_tickets_per_week,
        cast(ticket_ranked.ticket_share_of_peak as double) as ticket_share_of_peak,
        ticket_ranked.ticket_percent_rank < {{ peak_share }} as is_ticket_peak,
        case
            when ticket_ranked.ticket_percent_rank is null then null
            when ticket_ranked.ticket_percent_rank < {{ peak_share }} then 'peak'
            when ticket_ranked.ticket_share_of_peak >= 0.5 then 'high'
            when ticket_ranked.ticket_share_of_peak >= 0.2 then 'normal'
            else 'low'
        end as ticket_staffing_level
    from order_ranked
    inner join ticket_ranked
        on
            order_ranked.iso_weekday = ticket_ranked.iso_weekday
            and order_ranked.hour_of_day = ticket_ranked.hour_of_day

)

select * from final
