{{ config(enabled=var('enable_sales_team'), materialized='table') }}

{#
    One row per sales rep per calendar month with the raw KPI measures of the rep scorecard: the
    rep-month spine (int_sales_rep_months_assigned_to_teams) joined to the measures aggregated per
    domain (int_sales_rep_*_aggregated_to_months). Materialised (not ephemeral) because the
    scorecard, the commission and two sales marts read it.

    Counts are 0 when nothing happened; pipeline and service measures are null when their domain
    is switched off (their models are then disabled).
#}

with

rep_months as (select * from {{ ref('int_sales_rep_months_assigned_to_teams') }}),

order_months as (select * from {{ ref('int_sales_rep_orders_aggregated_to_months') }}),

target_months as (select * from {{ ref('int_sales_rep_targets_aggregated_to_months') }}),

training_months as (select * from {{ ref('int_sales_rep_trainings_aggregated_to_months') }}),

{%- if var('enable_pipeline') %}

pipeline_months as (select * from {{ ref('int_sales_rep_pipeline_aggregated_to_months') }}),

{%- endif %}

{%- if var('enable_service') %}

ticket_months as (select * from {{ ref('int_sales_rep_tickets_aggregated_to_months') }}),

{%- endif %}

final as (

    select
        {{ surrogate_key(['rep_months.sales_rep_id', 'rep_months.month_start_date']) }} as rep_month_id,
        rep_months.sales_rep_id,
        rep_months.month_start_date,
        rep_months.team_id,
        rep_months.region_code,

        -- sales results
        coalesce(order_months.net_revenue, 0) as net_revenue,
        case when order_months.sales_rep_id is null then 0 else order_months.margin_amount end as margin_amount,
        order_months.gross_margin_rate,
        target_months.revenue_target,
        cast(
            coalesce(order_months.net_revenue, 0) / nullif(target_months.revenue_target, 0) as double
        ) as attainment_rate,
        coalesce(order_months.new_customers, 0) as new_customers,
        coalesce(order_months.order_count, 0) as order_count,

        -- pipeline
        {%- if var('enable_pipeline') %}
        coalesce(pipeline_months.opportunities_won, 0) as opportunities_won,
        coalesce(pipeline_months.opportunities_lost, 0) as opportunities_lost,
        coalesce(pipeline_months.won_amount, 0) as won_amount,
        coalesce(pipeline_months.lost_amount, 0) as lost_amount,
        pipeline_months.win_rate_by_count,
        pipeline_months.win_rate_by_amount,
        pipeline_months.average_deal_size,
        pipeline_months.sales_cycle_days,
        coalesce(pipeline_months.calls, 0) as calls,
        coalesce(pipeline_months.emails, 0) as emails,
        coalesce(pipeline_months.visits, 0) as visits,
        coalesce(pipeline_months.meetings, 0) as meetings,
        coalesce(pipeline_months.leads_created, 0) as leads_created,
        coalesce(pipeline_months.leads_followed_up, 0) as leads_followed_up,
        pipeline_months.follow_up_rate,
        {%- else %}
        {# Pipeline domain off: the columns stay, null. #}
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
        cast(null as double) as follow_up_rate,
        {%- endif %}

        -- service
        {%- if var('enable_service') %}
        coalesce(ticket_months.ticket_count, 0) as ticket_count,
        coalesce(ticket_months.rated_ticket_count, 0) as rated_ticket_count,
        ticket_months.customer_csat,
        ticket_months.average_first_response_hours,
        {%- else %}
        {# Service domain off: the columns stay, null. #}
        cast(null as bigint) as ticket_count,
        cast(null as bigint) as rated_ticket_count,
        cast(null as double) as customer_csat,
        cast(null as double) as average_first_response_hours,
        {%- endif %}

        -- learning
        coalesce(training_months.training_hours, 0) as training_hours

    from rep_months
    left join order_months using (sales_rep_id, month_start_date)
    left join target_months using (sales_rep_id, month_start_date)
    left join training_months using (sales_rep_id, month_start_date)
    {#- noqa ST11: sqlfluff also lints branch combinations that dbt never renders. #}
    {%- if var('enable_pipeline') %}
    left join pipeline_months using (sales_rep_id, month_start_date) -- noqa: ST11
    {%- endif %}
    {%- if var('enable_service') %}
    left join ticket_months using (sales_rep_id, month_start_date) -- noqa: ST11
    {%- endif %}

)

select * from final
