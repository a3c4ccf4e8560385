{{ config(enabled=var('enable_pipeline')) }}

with

leads as (

    select * from {{ ref('stg_crm__leads') }}

),

activities as (

    select * from {{ ref('stg_crm__activities') }}

),

opportunities as (

    select * from {{ ref('stg_crm__opportunities') }}

),

lead_touches as (

    {#- A touch counts towards conversion only if it happened before the conversion; activities
        logged later (on the lead or its opportunity) are follow-up of the deal, not of the lead. #}
    select
        leads.lead_id,
        count(activities.activity_id) as total_touches,
        sum(
            case
                when activities.activity_id is null then 0
                when leads.converted_at is null or activities.activity_at < leads.converted_at then 1
                else 0
            end
        ) as touches_before_conversion
    from leads
    left join activities
        on leads.lead_id = activities.lead_id
    group by leads.lead_id

),

final as (

    select
        leads.lead_id,
        opportunities.opportunity_id,
        leads.sales_rep_id,
        leads.lead_source,
        leads.region_code,
        leads.lead_status,
        leads.created_at,
        {{ month_start('leads.created_at') }} as created_month,
        leads.first_contacted_at,
        cast(
            {{ elapsed_hours('leads.created_at', 'leads.first_contacted_at') }}
            as double
        ) as hours_to_first_contact,
        cast(coalesce(lead_touches.touches_before_conversion, 0) as bigint) as touches_before_conversion,
        cast(lead_touches.total_touches as bigint) as total_touches,
        leads.first_contacted_at is null as is_never_contacted,
        leads.is_converted,
        leads.converted_at,
        coalesce(opportunities.is_won, false) as is_won
    from leads
    left join lead_touches
        on leads.lead_id = lead_touches.lead_id
    left join opportunities
        on leads.lead_id = opportunities.lead_id

)

select * from final
