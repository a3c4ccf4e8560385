{#
    Demand by ISO weekday (1 = Monday) and hour of day (UTC, as stored): orders placed from
    fct_orders and, with var('enable_service') on, support tickets opened from
    fct_support_tickets. "Per week" divides a cell's count by how many times that weekday occurs
    between the first and the last day of the data, so partial first and last weeks do not bias
    it. Peak cells are the top var('demand_peak_share', 0.10) of the 168 cells by weekly average.
    With service off the ticket columns are null and the model still builds (commerce only).
#}

{%- set peak_share = var('demand_peak_share', 0.10) %}
{%- set service_enabled = var('enable_service', true) %}

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

order_days as (

    {{ day_spine('(select min(placed_date) from orders)', '(select max(placed_date) from orders)') }}

),

order_weekday_occurrences as (

    select
        cast(extract(isodow from date_day) as integer) as iso_weekday,
        count(*) as weekday_occurrences
    from order_days
    group by cast(extract(isodow from date_day) as integer)

),

order_counts as (

    select
        cast(extract(isodow from placed_at) as integer) as iso_weekday,
        cast(extract(hour from placed_at) as integer) as hour_of_day,
        count(*) as orders_placed
    from orders
    group by
        cast(extract(isodow from placed_at) as integer),
        cast(extract(hour from placed_at) as integer)

),

order_cells as (

    select
        cells.iso_weekday,
        cells.hour_of_day,
        coalesce(order_counts.orders_placed, 0) as orders_placed,
        cast(coalesce(order_counts.orders_placed, 0) as double)
        / nullif(order_weekday_occurrences.weekday_occurrences, 0) as average_orders_per_week
    from cells
    left join order_counts
        on
            cells.iso_weekday = order_counts.iso_weekday
            and cells.hour_of_day = order_counts.hour_of_day
    left join order_weekday_occurrences
        on cells.iso_weekday = order_weekday_occurrences.iso_weekday

),

order_ranked as (

    select
        *,
        average_orders_per_week / nullif(max(average_orders_per_week) over (), 0) as order_share_of_peak,
        percent_rank() over (order by average_orders_per_week desc) as order_percent_rank
    from order_cells

),

{%- if service_enabled %}

ticket_days as (

    {{ day_spine('(select min(opened_date) from tickets)', '(select max(opened_date) from tickets)') }}

),

ticket_weekday_occurrences as (

    select
        cast(extract(isodow from date_day) as integer) as iso_weekday,
        count(*) as weekday_occurrences
    from ticket_days
    group by cast(extract(isodow from date_day) as integer)

),

ticket_counts as (

    select
        cast(extract(isodow from opened_at) as integer) as iso_weekday,
        cast(extract(hour from opened_at) as integer) as hour_of_day,
        count(*) as tickets_opened
    from tickets
    group by
        cast(extract(isodow from opened_at) as integer),
        cast(extract(hour from opened_at) as integer)

),

ticket_cells as (

    select
        cells.iso_weekday,
        cells.hour_of_day,
        coalesce(ticket_counts.tickets_opened, 0) as tickets_opened,
        cast(coalesce(ticket_counts.tickets_opened, 0) as double)
        / nullif(ticket_weekday_occurrences.weekday_occurrences, 0) as average_tickets_per_week
    from cells
    left join ticket_counts
        on
            cells.iso_weekday = ticket_counts.iso_weekday
            and cells.hour_of_day = ticket_counts.hour_of_day
    left join ticket_weekday_occurrences
        on cells.iso_weekday = ticket_weekday_occurrences.iso_weekday

),

ticket_ranked as (

    select
        *,
        average_tickets_per_week / nullif(max(average_tickets_per_week) over (), 0) as ticket_share_of_peak,
        percent_rank() over (order by average_tickets_per_week desc) as ticket_percent_rank
    from ticket_cells

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
