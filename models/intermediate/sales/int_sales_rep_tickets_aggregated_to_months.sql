{{ config(enabled=var('enable_sales_team') and var('enable_service')) }}

{#
    One row per sales rep per calendar month in which customers the rep owns
    (stg_shop__customers.owner_sales_rep_id, the current owner) opened support tickets: tickets,
    rated tickets, mean csat and mean hours to first response. Tickets of unknown customers
    (orphans) and of customers without an owner are left out.
#}

with

support_tickets as (

    select * from {{ ref('stg_service__support_tickets') }}

),

customers as (

    select * from {{ ref('stg_shop__customers') }}

),

aggregated as (

    select
        customers.owner_sales_rep_id as sales_rep_id,
        {{ month_start('support_tickets.opened_at') }} as month_start_date,
        count(*) as ticket_count,
        count(support_tickets.csat_score) as rated_ticket_count,
        avg(support_tickets.csat_score) as customer_csat,
        avg(
            {{ elapsed_hours('support_tickets.opened_at', 'support_tickets.first_response_at') }}
        ) as average_first_response_hours
    from support_tickets
    inner join customers
        on support_tickets.customer_id = customers.customer_id
    where customers.owner_sales_rep_id is not null
    group by 1, 2

),

final as (

    select
        sales_rep_id,
        month_start_date,
        cast(ticket_count as bigint) as ticket_count,
        cast(rated_ticket_count as bigint) as rated_ticket_count,
        cast(customer_csat as double) as customer_csat,
        cast(average_first_response_hours as double) as average_first_response_hours
    from aggregated

)

select * from final
