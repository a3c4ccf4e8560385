{{ config(enabled=var('enable_pipeline')) }}

with

stage_history as (

    select * from {{ ref('stg_crm__opportunity_stage_history') }}

),

opportunities as (

    select * from {{ ref('stg_crm__opportunities') }}

),

leads as (

    select * from {{ ref('stg_crm__leads') }}

),

funnel_stages as (

    select * from {{ ref('funnel_stages') }}

),

as_of as (

    {#- An open stage counts until "now", but never past the latest extract: after that the
        warehouse cannot know whether the opportunity moved on. #}
    select least({{ as_of_timestamp() }}, max(loaded_at)) as as_of_at
    from stage_history

),

known_stage_events as (

    {#- Events after the as-of moment are not known yet, so a rebuild with var as_of replays
        the funnel as it stood then. #}
    select
        stage_history.stage_event_id,
        stage_history.opportunity_id,
        stage_history.stage_name,
        stage_history.amount,
        stage_history.entered_at,
        funnel_stages.stage_order,
        funnel_stages.default_probability,
        funnel_stages.is_closed,
        as_of.as_of_at
    from stage_history
    inner join funnel_stages
        on stage_history.stage_name = funnel_stages.stage_name
    cross join as_of
    where stage_history.entered_at <= as_of.as_of_at

),

sequenced as (

    select
        *,
        lead(entered_at) over (
            partition by opportunity_id order by entered_at, stage_order
        ) as exited_at,
        lead(stage_name) over (
            partition by opportunity_id order by entered_at, stage_order
        ) as next_stage_name
    from known_stage_events

),

stage_visits as (

    {#- Closing stages are not visits (nothing is done in them): they appear as the exit,
        next_stage_name and outcome of the last open-stage visit. #}
    select
        sequenced.*,
        case
            when sequenced.next_stage_name is null then 'open'
            when next_stages.is_closed and next_stages.is_won then 'won'
            when next_stages.is_closed then 'lost'
            else 'advanced'
        end as outcome
    from sequenced
    left join funnel_stages as next_stages
        on sequenced.next_stage_name = next_stages.stage_name
    where not sequenced.is_closed

),

final as (

    select
        stage_visits.stage_event_id as opportunity_stage_id,
        stage_visits.opportunity_id,
        opportunities.lead_id,
        opportunities.sales_rep_id,
        leads.lead_source,
        leads.region_code,
        stage_visits.stage_name,
        stage_visits.stage_order,
        stage_visits.default_probability,
        stage_visits.entered_at,
        stage_visits.exited_at,
        cast(round(
            {{ elapsed_days('stage_visits.entered_at', 'coalesce(stage_visits.exited_at, stage_visits.as_of_at)') }},
            4
        ) as double) as days_in_stage,
        stage_visits.exited_at is null as is_current_stage,
        stage_visits.next_stage_name,
        stage_visits.outcome,
        stage_visits.amount as stage_entry_amount,
        opportunities.amount as opportunity_amount,
        opportunities.created_at as opportunity_created_at,
        {{ month_start('opportunities.created_at') }} as cohort_month
    from stage_visits
    inner join opportunities
        on stage_visits.opportunity_id = opportunities.opportunity_id
    left join leads
        on opportunities.lead_id = leads.lead_id

)

select * from final
