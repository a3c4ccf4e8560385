{{ config(enabled=var('enable_service')) }}

{#
    One row per calendar month with tickets or survey responses. Ticket measures count the tickets
    opened in the month; survey measures the responses given in it (NPS arithmetic in
    int_survey_responses_aggregated_to_months); the repurchase split comes from
    int_ticket_customers_repurchase_by_month. The repurchase window of the last months runs past
    the end of the order data, so their rates are too low: is_repurchase_window_complete says so.
#}
with

tickets as (

    select * from {{ ref('fct_support_tickets') }}

),

survey_months as (

    select * from {{ ref('int_survey_responses_aggregated_to_months') }}

),

customer_months as (

    select * from {{ ref('int_ticket_customers_repurchase_by_month') }}

),

orders as (

    select * from {{ ref('fct_orders') }}

),

order_data_end as (

    select max(placed_at) as last_placed_at
    from orders

),

ticket_months as (

    select
        {{ month_start('opened_at') }} as month_start_date,
        count(*) as tickets_opened,
        count(first_response_at) as tickets_responded,
        avg(first_response_hours) as average_first_response_hours,
        percentile_cont(0.5) within group (order by first_response_hours) as median_first_response_hours,
        sum(case when is_sla_breached then 1 else 0 end) as sla_breached_tickets,
        count(csat_score) as tickets_with_csat,
        avg(csat_score) as average_ticket_csat
    from tickets
    group by {{ month_start('opened_at') }}

),

repurchase_months as (

    select
        month_start_date,
        count(*) as customers_with_ticket,
        sum(case when has_sla_breach then 1 else 0 end) as customers_with_breach,
        sum(case when not has_sla_breach then 1 else 0 end) as customers_on_time,
        sum(case when has_sla_breach and has_repurchase then 1 else 0 end) as repurchasers_after_breach,
        sum(case when not has_sla_breach and has_repurchase then 1 else 0 end) as repurchasers_after_on_time,
        max(reference_opened_at) as last_reference_opened_at
    from customer_months
    group by month_start_date

),

months as (

    select month_start_date from ticket_months
    union
    select month_start_date from survey_months

),

final as (

    select
        months.month_start_date,
        cast(coalesce(ticket_months.tickets_opened, 0) as bigint) as tickets_opened,
        cast(coalesce(ticket_months.tickets_responded, 0) as bigint) as tickets_responded,
        cast(ticket_months.average_first_response_hours as double) as average_first_response_hours,
        cast(ticket_months.median_first_response_hours as double) as median_first_response_hours,
        cast(coalesce(ticket_months.sla_breached_tickets, 0) as bigint) as sla_breached_tickets,
        cast(ticket_months.sla_breached_tickets as double)
        / nullif(ticket_months.tickets_opened, 0) as sla_breach_rate,
        cast(coalesce(ticket_months.tickets_with_csat, 0) as bigint) as tickets_with_csat,
        cast(ticket_months.average_ticket_csat as double) as average_ticket_csat,
        cast(coalesce(survey_months.survey_responses, 0) as bigint) as survey_responses,
        cast(coalesce(survey_months.promoters, 0) as bigint) as promoters,
        cast(coalesce(survey_months.passives, 0) as bigint) as passives,
        cast(coalesce(survey_months.detractors, 0) as bigint) as detractors,
        cast(survey_months.net_promoter_score as double) as net_promoter_score,
        cast(survey_months.average_survey_csat as double) as average_survey_csat,
        cast(coalesce(repurchase_months.customers_with_ticket, 0) as bigint) as customers_with_ticket,
        cast(coalesce(repurchase_months.customers_with_breach, 0) as bigint) as customers_with_breach,
        cast(coalesce(repurchase_months.customers_on_time, 0) as bigint) as customers_on_time,
        cast(repurchase_months.repurchasers_after_breach as double)
        / nullif(repurchase_months.customers_with_breach, 0) as repurchase_rate_after_breach,
        cast(repurchase_months.repurchasers_after_on_time as double)
        / nullif(repurchase_months.customers_on_time, 0) as repurchase_rate_after_on_time,
        coalesce(
            {{ dbt.dateadd('day', var('repurchase_window_days'), 'repurchase_months.last_reference_opened_at') }}
            <= order_data_end.last_placed_at,
            false
        ) as is_repurchase_window_complete
    from months
    cross join order_data_end
    left join ticket_months
        on months.month_start_date = ticket_months.month_start_date
    left join survey_months
        on months.month_start_date = survey_months.month_start_date
    left join repurchase_months
        on months.month_start_date = repurchase_months.month_start_date

)

select * from final
