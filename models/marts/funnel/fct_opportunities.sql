{{ config(enabled=var('enable_pipeline')) }}

{# One row per opportunity, current state: the grain the pipeline metrics aggregate. #}
with

opportunities as (

    select * from {{ ref('stg_crm__opportunities') }}

),

leads as (

    select * from {{ ref('stg_crm__leads') }}

),

funnel_stages as (

    select * from {{ ref('funnel_stages') }}

),

final as (

    select
        opportunities.opportunity_id,
        opportunities.lead_id,
        opportunities.customer_id,
        opportunities.sales_rep_id,
        leads.lead_source,
        leads.region_code,
        opportunities.stage_name,
        funnel_stages.stage_order,
        funnel_stages.default_probability,
        opportunities.is_closed,
        opportunities.is_won,
        not opportunities.is_closed as is_open,
        opportunities.amount,
        (opportunities.amount * funnel_stages.default_probability)::decimal(18, 2) as weighted_amount,
        opportunities.created_at,
        opportunities.created_at::date as created_date,
        opportunities.closed_at,
        opportunities.closed_at::date as closed_date,
        opportunities.expected_close_date,
        case
            when not opportunities.has_disordered_timestamps
                then {{ elapsed_days('opportunities.created_at', 'opportunities.closed_at') }}
        end as sales_cycle_days
    from opportunities
    left join leads
        on opportunities.lead_id = leads.lead_id
    left join funnel_stages
        on opportunities.stage_name = funnel_stages.stage_name

)

select * from final
