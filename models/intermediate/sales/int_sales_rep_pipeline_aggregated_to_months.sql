{{ config(enabled=var('enable_sales_team') and var('enable_pipeline')) }}

{#
    One row per sales rep per calendar month with a closed opportunity, an activity or a lead:
    opportunities won and lost (by close month) with win rates, deal size and sales cycle; calls,
    e-mails, visits and meetings; leads created and followed up within
    var('sales_follow_up_hours') hours. Counts are 0 when nothing of their kind happened.
    A lead is judged once its follow-up window has closed by the as-of time, or earlier if already
    contacted, so leads created in the last hours are not counted as missed.
#}
{%- set follow_up_hours = var('sales_follow_up_hours') | int %}
{%- set follow_up_due_at = dbt.dateadd('hour', follow_up_hours, 'created_at') %}

with

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

opportunity_months as (

    select
        sales_rep_id,
        {{ month_start('closed_at') }} as month_start_date,
        count(*) filter (where is_won) as opportunities_won,
        count(*) filter (where not is_won) as opportunities_lost,
        sum(amount) filter (where is_won) as won_amount,
        sum(amount) filter (where not is_won) as lost_amount,
        avg({{ elapsed_days('created_at', 'closed_at') }}) filter (
            where is_won and not has_disordered_timestamps
        ) as sales_cycle_days
    from opportunities
    group by 1, 2

),

activity_months as (

    select
        sales_rep_id,
        {{ month_start('activity_at') }} as month_start_date,
        count(*) filter (where activity_type = 'call') as calls,
        count(*) filter (where activity_type = 'email') as emails,
        count(*) filter (where activity_type = 'visit') as visits,
        count(*) filter (where activity_type = 'meeting') as meetings
    from activities
    group by 1, 2

),

lead_months as (

    select
        sales_rep_id,
        {{ month_start('created_at') }} as month_start_date,
        count(*) as leads_created,
        {# Due: contacted within the window, or the window has closed by the as-of time. #}
        count(*) filter (
            where first_contacted_at <= {{ follow_up_due_at }} or {{ follow_up_due_at }} <= {{ as_of_timestamp() }}
        ) as leads_due_for_follow_up,
        count(*) filter (where first_contacted_at <= {{ follow_up_due_at }}) as leads_followed_up
    from leads
    group by 1, 2

),

final as (

    select
        sales_rep_id,
        month_start_date,
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
        cast(lead_months.leads_followed_up / nullif(lead_months.leads_due_for_follow_up, 0) as double)
            as follow_up_rate
    {# Full joins on `using`: a rep-month with any of the three is kept, its keys merged. #}
    from opportunity_months
    full outer join activity_months using (sales_rep_id, month_start_date)
    full outer join lead_months using (sales_rep_id, month_start_date)

)

select * from final
