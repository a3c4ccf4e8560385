{{ config(enabled=var('enable_sales_team', true), materialized='table') }}

{#
    One row per sales rep per calendar month with the raw KPI measures of the rep scorecard.
    Materialised (not ephemeral) because the scorecard, the commission and three marts read it.

    The rep-month spine is every (rep, month) that has a target, a revenue order, a closed
    opportunity, an activity, a lead, a ticket of the rep's customers or a training, so every
    credited amount lands on a row and mart totals reconcile with fct_orders.
    Team and region are the rep's HR record in effect at the end of the month
    (dim_sales_rep_history), else the current record.

    Pipeline and service measures are null when their domain is switched off; counts that are
    always defined (orders, new customers, training hours) are 0 when nothing happened.
#}
{%- set follow_up_hours = var('sales_follow_up_hours', 48) | int %}

with

orders as (

    select * from {{ ref('fct_orders') }}
    where is_revenue and sales_rep_id is not null

),

sales_targets as (

    select * from {{ ref('stg_hr__sales_targets') }}

),

sales_reps as (

    select * from {{ ref('stg_hr__sales_reps') }}

),

sales_rep_history as (

    select * from {{ ref('dim_sales_rep_history') }}

),

trainings as (

    select * from {{ ref('stg_hr__trainings') }}

),

{%- if var('enable_pipeline', true) %}

opportunities as (

    select * from {{ ref('stg_crm__opportunities') }}
    where is_closed

),

activities as (

    select * from {{ ref('stg_crm__activities') }}

),

leads as (

    select * from {{ ref('stg_crm__leads') }}

),

{%- endif %}

{%- if var('enable_service', true) %}

{# Tickets of unknown customers (orphans) drop out in the inner join to customers. #}
support_tickets as (

    select * from {{ ref('stg_service__support_tickets') }}

),

customers as (

    select * from {{ ref('stg_shop__customers') }}

),

{%- endif %}

order_months as (

    select
        sales_rep_id,
        cast({{ dbt.date_trunc('month', 'placed_date') }} as date) as month_start_date,
        sum(net_amount) as net_revenue,
        {{ sum_if_known('margin_amount') }} as margin_amount,
        count(*) filter (where is_counted_order) as order_count,
        count(*) filter (where is_first_order) as new_customers
    from orders
    group by 1, 2

),

target_months as (

    select
        sales_rep_id,
        cast({{ dbt.date_trunc('month', 'target_month') }} as date) as month_start_date,
        sum(revenue_target) as revenue_target
    from sales_targets
    group by 1, 2

),

training_months as (

    select
        sales_rep_id,
        cast({{ dbt.date_trunc('month', 'completed_on') }} as date) as month_start_date,
        sum(training_hours) as training_hours
    from trainings
    group by 1, 2

),

{%- if var('enable_pipeline', true) %}

opportunity_months as (

    select
        sales_rep_id,
        cast({{ dbt.date_trunc('month', 'closed_at') }} as date) as month_start_date,
        count(*) filter (where is_won) as opportunities_won,
        count(*) filter (where not is_won) as opportunities_lost,
        sum(amount) filter (where is_won) as won_amount,
        sum(amount) filter (where not is_won) as lost_amount,
        avg(
            {{ dbt.datediff('created_at', 'closed_at', 'second') }} / 86400.0
        ) filter (where is_won and not has_disordered_timestamps) as sales_cycle_days
    from opportunities
    group by 1, 2

),

activity_months as (

    select
        sales_rep_id,
        cast({{ dbt.date_trunc('month', 'activity_at') }} as date) as month_start_date,
        count(*) filter (where activity_type = 'call') as calls,
        count(*) filter (where activity_type = 'email') as emails,
        count(*) filter (where activity_type = 'visit') as visits,
        count(*) filter (where activity_type = 'meeting') as meetings
    from activities
    group by 1, 2

),

leads_followed_up as (

    select
        sales_rep_id,
        created_at,
        coalesce(
            first_contacted_at <= {{ dbt.dateadd('hour', follow_up_hours, 'created_at') }}, false
        ) as is_followed_up,
        {{ dbt.dateadd('hour', follow_up_hours, 'created_at') }} <= {{ as_of_timestamp() }} as is_window_closed
    from leads

),

lead_months as (

    select
        sales_rep_id,
        cast({{ dbt.date_trunc('month', 'created_at') }} as date) as month_start_date,
        count(*) as leads_created,
        {# A lead still inside its follow-up window is not judged yet, unless already contacted. #}
        count(*) filter (where is_followed_up or is_window_closed) as leads_due_for_follow_up,
        count(*) filter (where is_followed_up) as leads_followed_up
    from leads_followed_up
    group by 1, 2

),

{%- endif %}

{%- if var('enable_service', true) %}

ticket_months as (

    select
        customers.owner_sales_rep_id as sales_rep_id,
        cast({{ dbt.date_trunc('month', 'support_tickets.opened_at') }} as date) as month_start_date,
        count(*) as ticket_count,
        count(support_tickets.csat_score) as rated_ticket_count,
        avg(support_tickets.csat_score) as customer_csat,
        avg(
            {{ dbt.datediff('support_tickets.opened_at', 'support_tickets.first_response_at', 'second') }} / 3600.0
        ) as average_first_response_hours
    from support_tickets
    inner join customers
        on support_tickets.customer_id = customers.customer_id
    where customers.owner_sales_rep_id is not null
    group by 1, 2

),

{%- endif %}

rep_months as (

    select
        sales_rep_id,
        month_start_date
    from order_months
    union
    select
        sales_rep_id,
        month_start_date
    from target_months
    union
    select
        sales_rep_id,
        month_start_date
    from training_months
    {%- if var('enable_pipeline', true) %}
    union
    select
        sales_rep_id,
        month_start_date
    from opportunity_months
    union
    select
        sales_rep_id,
        month_start_date
    from activity_months
    union
    select
        sales_rep_id,
        month_start_date
    from lead_months
    {%- endif %}
    {%- if var('enable_service', true) %}
    union
    select
        sales_rep_id,
        month_start_date
    from ticket_months
    {%- endif %}

),

rep_months_assigned as (

    select
        rep_months.sales_rep_id,
        rep_months.month_start_date,
        coalesce(sales_rep_history.team_id, sales_reps.team_id) as team_id,
        coalesce(sales_rep_history.region_code, sales_reps.region_code) as region_code
    from rep_months
    left join sales_rep_history
        on
            rep_months.sales_rep_id = sales_rep_history.sales_rep_id
            and sales_rep_history.valid_from
            < {{ dbt.dateadd('month', 1, 'rep_months.month_start_date') }}
            and (
                sales_rep_history.valid_to is null
                or sales_rep_history.valid_to >= {{ dbt.dateadd('month', 1, 'rep_months.month_start_date') }}
            )
    left join sales_reps
        on rep_months.sales_rep_id = sales_reps.sales_rep_id

),

{%- if var('enable_pipeline', true) %}

pipeline_measures as (

    select
        rep_months.sales_rep_id,
        rep_months.month_start_date,
        cast(coalesce(opportunity_months.opportunities_won, 0) as bigint) as opportunities_won,
        cast(coalesce(opportunity_months.opportunities_lost, 0) as bigint) as opportunities_lost,
        cast(coalesce(opportunity_months.won_amount, 0) as decimal(18, 2)) as won_amount,
        cast(coalesce(opportunity_months.lost_amount, 0) as decimal(18, 2)) as lost_amount,
        cast(
            opportunity_months.opportunities_won
            / nullif(opportunity_months.opportunities_won + opportunity_months.opportunities_lost, 0)
            as double
        ) as win_rate_by_count,
        cast(
            coalesce(opportunity_months.won_amount, 0)
            / nullif(coalesce(opportunity_months.won_amount, 0) + coalesce(opportunity_months.lost_amount, 0), 0)
            as double
        ) as win_rate_by_amount,
        cast(
            opportunity_months.won_amount / nullif(opportunity_months.opportunities_won, 0) as decimal(18, 2)
        ) as average_deal_size,
        cast(opportunity_months.sales_cycle_days as double) as sales_cycle_days,
        cast(coalesce(activity_months.calls, 0) as bigint) as calls,
        cast(coalesce(activity_months.emails, 0) as bigint) as emails,
        cast(coalesce(activity_months.visits, 0) as bigint) as visits,
        cast(coalesce(activity_months.meetings, 0) as bigint) as meetings,
        cast(coalesce(lead_months.leads_created, 0) as bigint) as leads_created,
        cast(coalesce(lead_months.leads_followed_up, 0) as bigint) as leads_followed_up,
        cast(
            lead_months.leads_followed_up / nullif(lead_months.leads_due_for_follow_up, 0) as double
        ) as follow_up_rate
    from rep_months
    left join opportunity_months
        on
            rep_months.sales_rep_id = opportunity_months.sales_rep_id
            and rep_months.month_start_date = opportunity_months.month_start_date
    left join activity_months
        on
            rep_months.sales_rep_id = activity_months.sales_rep_id
            and rep_months.month_start_date = activity_months.month_start_date
    left join lead_months
        on
            rep_months.sales_rep_id = lead_months.sales_rep_id
            and rep_months.month_start_date = lead_months.month_start_date

),

{%- else %}

{# Pipeline domain off: the columns stay, null. #}
pipeline_measures as (

    select
        sales_rep_id,
        month_start_date,
        cast(null as bigint) as opportunities_won,
        cast(null as bigint) as opportunities_lost,
        cast(null as decimal(18, 2)) as won_amount,
        cast(null as decimal(18, 2)) as lost_amount,
        cast(null as double) as win_rate_by_count,
        cast(null as double) as win_rate_by_amount,
        cast(null as decimal(18, 2)) as average_deal_size,
        cast(null as double) as sales_cycle_days,
        cast(null as bigint) as calls,
        cast(null as bigint) as emails,
        cast(null as bigint) as visits,
        cast(null as bigint) as meetings,
        cast(null as bigint) as leads_created,
        cast(null as bigint) as leads_followed_up,
        cast(null as double) as follow_up_rate
    from rep_months

),

{%- endif %}

{%- if var('enable_service', true) %}

service_measures as (

    select
        rep_months.sales_rep_id,
        rep_months.month_start_date,
        cast(coalesce(ticket_months.ticket_count, 0) as bigint) as ticket_count,
        cast(coalesce(ticket_months.rated_ticket_count, 0) as bigint) as rated_ticket_count,
        cast(ticket_months.customer_csat as double) as customer_csat,
        cast(ticket_months.average_first_response_hours as double) as average_first_response_hours
    from rep_months
    left join ticket_months
        on
            rep_months.sales_rep_id = ticket_months.sales_rep_id
            and rep_months.month_start_date = ticket_months.month_start_date

),

{%- else %}

{# Service domain off: the columns stay, null. #}
service_measures as (

    select
        sales_rep_id,
        month_start_date,
        cast(null as bigint) as ticket_count,
        cast(null as bigint) as rated_ticket_count,
        cast(null as double) as customer_csat,
        cast(null as double) as average_first_response_hours
    from rep_months

),

{%- endif %}

final as (

    select
        {{ surrogate_key(['rep_months_assigned.sales_rep_id', 'rep_months_assigned.month_start_date']) }}
            as rep_month_id,
        rep_months_assigned.sales_rep_id,
        rep_months_assigned.month_start_date,
        rep_months_assigned.team_id,
        rep_months_assigned.region_code,

        -- sales results
        cast(coalesce(order_months.net_revenue, 0) as decimal(18, 2)) as net_revenue,
        cast(
            case when order_months.sales_rep_id is null then 0 else order_months.margin_amount end
            as decimal(18, 2)
        ) as margin_amount,
        cast(order_months.margin_amount / nullif(order_months.net_revenue, 0) as double) as gross_margin_rate,
        cast(target_months.revenue_target as decimal(18, 2)) as revenue_target,
        cast(
            coalesce(order_months.net_revenue, 0) / nullif(target_months.revenue_target, 0) as double
        ) as attainment_rate,
        cast(coalesce(order_months.new_customers, 0) as bigint) as new_customers,
        cast(coalesce(order_months.order_count, 0) as bigint) as order_count,

        -- pipeline
        pipeline_measures.opportunities_won,
        pipeline_measures.opportunities_lost,
        pipeline_measures.won_amount,
        pipeline_measures.lost_amount,
        pipeline_measures.win_rate_by_count,
        pipeline_measures.win_rate_by_amount,
        pipeline_measures.average_deal_size,
        pipeline_measures.sales_cycle_days,
        pipeline_measures.calls,
        pipeline_measures.emails,
        pipeline_measures.visits,
        pipeline_measures.meetings,
        pipeline_measures.leads_created,
        pipeline_measures.leads_followed_up,
        pipeline_measures.follow_up_rate,

        -- service
        service_measures.ticket_count,
        service_measures.rated_ticket_count,
        service_measures.customer_csat,
        service_measures.average_first_response_hours,

        -- learning
        cast(coalesce(training_months.training_hours, 0) as double) as training_hours

    from rep_months_assigned
    left join order_months
        on
            rep_months_assigned.sales_rep_id = order_months.sales_rep_id
            and rep_months_assigned.month_start_date = order_months.month_start_date
    left join target_months
        on
            rep_months_assigned.sales_rep_id = target_months.sales_rep_id
            and rep_months_assigned.month_start_date = target_months.month_start_date
    left join training_months
        on
            rep_months_assigned.sales_rep_id = training_months.sales_rep_id
            and rep_months_assigned.month_start_date = training_months.month_start_date
    left join pipeline_measures
        on
            rep_months_assigned.sales_rep_id = pipeline_measures.sales_rep_id
            and rep_months_assigned.month_start_date = pipeline_measures.month_start_date
    left join service_measures
        on
            rep_months_assigned.sales_rep_id = service_measures.sales_rep_id
            and rep_months_assigned.month_start_date = service_measures.month_start_date

)

select * from final
