{{ config(enabled=var('enable_pipeline')) }}

{#
    One row per activity. An activity can arrive before its opportunity (CRM objects are exported
    on their own schedules): it is kept, flagged is_opportunity_pending and counted in
    dq_failed_rows (rule pending_parent) until the opportunity arrives.
#}
with

activities as (

    select * from {{ ref('stg_crm__activities') }}

),

opportunities as (

    select opportunity_id from {{ ref('stg_crm__opportunities') }}

),

final as (

    select
        activities.activity_id,
        activities.sales_rep_id,
        activities.lead_id,
        activities.opportunity_id,
        activities.activity_type,
        activities.duration_minutes,
        activities.activity_at,
        cast(activities.activity_at as date) as activity_date,
        activities.opportunity_id is not null and opportunities.opportunity_id is null as is_opportunity_pending
    from activities
    left join opportunities
        on activities.opportunity_id = opportunities.opportunity_id

)

select * from final
