{{ config(enabled=var('enable_service')) }}

{#
    Every ticket, every breach and every customer-month of fct_support_tickets is counted once in
    service_quality_monthly. Returns one row when any total differs.
#}
with

tickets as (

    select * from {{ ref('fct_support_tickets') }}

),

monthly as (

    select * from {{ ref('service_quality_monthly') }}

),

ticket_totals as (

    select
        count(*) as tickets_opened,
        sum(case when is_sla_breached then 1 else 0 end) as sla_breached_tickets,
        count(csat_score) as tickets_with_csat,
        count(distinct customer_id || '-' || cast({{ dbt.date_trunc('month', 'opened_at') }} as date))
            as customers_with_ticket
    from tickets

),

monthly_totals as (

    select
        sum(tickets_opened) as tickets_opened,
        sum(sla_breached_tickets) as sla_breached_tickets,
        sum(tickets_with_csat) as tickets_with_csat,
        sum(customers_with_ticket) as customers_with_ticket
    from monthly

),

compared as (

    select
        ticket_totals.tickets_opened,
        monthly_totals.tickets_opened as monthly_tickets_opened,
        ticket_totals.sla_breached_tickets,
        monthly_totals.sla_breached_tickets as monthly_sla_breached_tickets,
        ticket_totals.tickets_with_csat,
        monthly_totals.tickets_with_csat as monthly_tickets_with_csat,
        ticket_totals.customers_with_ticket,
        monthly_totals.customers_with_ticket as monthly_customers_with_ticket
    from ticket_totals
    cross join monthly_totals

)

select * from compared
where
    tickets_opened != monthly_tickets_opened
    or sla_breached_tickets != monthly_sla_breached_tickets
    or tickets_with_csat != monthly_tickets_with_csat
    or customers_with_ticket != monthly_customers_with_ticket
