{{ config(enabled=var('enable_pipeline')) }}

{#
    One row per opportunity x open funnel stage it entered (a "stage visit"), with the features a
    win-probability model may use, each measured at the visit's observation time:
    - a past visit (the opportunity left the stage) is observed at the midpoint of its stay, the
      expected position of a snapshot taken at a random moment of the stay;
    - the current visit of a still-open opportunity is observed at the as-of time (var('as_of_date')
      end of day when set, else the latest event in the CRM data), which is when it is scored.
    Only information dated before the observation time enters a feature. The rep's track record
    counts only deals the rep closed before the opportunity was created.
    Rep tenure and level come from the HR staging (stg_hr__sales_reps) when the sales-team domain is on, else null.
#}

with

opportunities as (

    select * from {{ ref('stg_crm__opportunities') }}

),

stage_history as (

    select * from {{ ref('stg_crm__opportunity_stage_history') }}

),

leads as (

    select * from {{ ref('stg_crm__leads') }}

),

activities as (

    select * from {{ ref('stg_crm__activities') }}
    where opportunity_id is not null

),

funnel_stages as (

    select * from {{ ref('funnel_stages') }}

),

rep_attributes as (

    {%- if var('enable_sales_team') %}
    select
        sales_rep_id,
        rep_level,
        hired_on
    {#- Staging, not dim_sales_reps (the same two columns, one row per rep): the mart waits for
        fct_orders (its as-of date), which held the win model back until the order-line chain was
        done; from staging it runs beside that chain. #}
    from {{ ref('stg_hr__sales_reps') }}
    {%- else %}
    {# Without the HR domain, tenure and level are unknown. #}
    select distinct
        sales_rep_id,
        cast(null as {{ dbt.type_string() }}) as rep_level,
        cast(null as date) as hired_on
    from opportunities
    {%- endif %}

),

as_of as (

    {%- if var('as_of_date') %}
    select cast({{ as_of_date() }} as timestamp) + interval 1 day - interval 1 microsecond as as_of_at
    {%- else %}
    select max(event_at) as as_of_at
    from (
        select entered_at as event_at from stage_history
        union all
        select updated_at as event_at from opportunities
    ) as crm_events
    {%- endif %}

),

ordered_history as (

    {# Every stage entry with the entry that ended it (the next stage or the close). #}
    select
        stage_history.opportunity_id,
        stage_history.stage_name,
        stage_history.amount,
        stage_history.entered_at,
        lead(stage_history.entered_at) over (
            partition by stage_history.opportunity_id
            order by stage_history.entered_at, funnel_stages.stage_order
        ) as exited_at,
        funnel_stages.stage_order,
        funnel_stages.is_closed as is_closing_stage
    from stage_history
    inner join funnel_stages
        on stage_history.stage_name = funnel_stages.stage_name

),

stage_visits as (

    select
        ordered_history.opportunity_id,
        ordered_history.stage_name,
        ordered_history.stage_order,
        ordered_history.amount,
        ordered_history.entered_at,
        {# A stage left after the as-of time is still the current stage as of then. #}
        case
            when ordered_history.exited_at <= as_of.as_of_at then ordered_history.exited_at
        end as exited_at,
        case
            when ordered_history.exited_at <= as_of.as_of_at
                then
                    ordered_history.entered_at
                    + (ordered_history.exited_at - ordered_history.entered_at) / 2
            else as_of.as_of_at
        end as observed_at
    from ordered_history
    cross join as_of
    where
        not ordered_history.is_closing_stage
        and ordered_history.entered_at <= as_of.as_of_at

),

track_record_events as (

    {#
        Closes and creations of every opportunity on one time line. A running count of the
        closes up to each creation gives the deals closed before the opportunity was created;
        at equal times the creation sorts first, so a deal closed at that instant is not counted.
    #}
    select
        opportunities.sales_rep_id,
        opportunities.closed_at as event_at,
        1 as event_order,
        cast(null as bigint) as opportunity_id,
        1 as closed_count,
        case when opportunities.is_won then 1 else 0 end as won_count
    from opportunities
    cross join as_of
    where opportunities.closed_at <= as_of.as_of_at

    union all

    select
        sales_rep_id,
        created_at as event_at,
        0 as event_order,
        opportunity_id,
        0 as closed_count,
        0 as won_count
    from opportunities

),

track_record_running as (

    select
        opportunity_id,
        sum(closed_count) over (
            partition by sales_rep_id
            order by event_at, event_order
            rows between unbounded preceding and current row
        ) as rep_prior_closed_count,
        sum(won_count) over (
            partition by sales_rep_id
            order by event_at, event_order
            rows between unbounded preceding and current row
        ) as rep_prior_won_count,
        sum(closed_count) over (
            order by event_at, event_order
            rows between unbounded preceding and current row
        ) as company_prior_closed_count,
        sum(won_count) over (
            order by event_at, event_order
            rows between unbounded preceding and current row
        ) as company_prior_won_count
    from track_record_events

),

track_record as (

    select * from track_record_running
    where opportunity_id is not null

),

visit_activities as (

    select
        stage_visits.opportunity_id,
        stage_visits.stage_name,
        count(activities.activity_id) as activity_count,
        count(case when activities.activity_at >= stage_visits.entered_at then 1 end)
            as stage_activity_count,
        count(case when activities.activity_type in ('meeting', 'visit') then 1 end) as meeting_count
    from stage_visits
    left join activities
        on
            stage_visits.opportunity_id = activities.opportunity_id
            and stage_visits.observed_at > activities.activity_at
    group by stage_visits.opportunity_id, stage_visits.stage_name

),

final as (

    select
        -- ids
        {{ surrogate_key(['stage_visits.opportunity_id', 'stage_visits.stage_name']) }} as stage_visit_id,
        stage_visits.opportunity_id,
        opportunities.sales_rep_id,

        -- strings
        stage_visits.stage_name,
        leads.lead_source,
        leads.region_code,
        rep_attributes.rep_level,

        -- numerics
        cast(stage_visits.stage_order as integer) as stage_order,
        stage_visits.amount,
        cast(
            {{ elapsed_days('stage_visits.entered_at', 'stage_visits.observed_at') }}
            as double
        ) as days_in_stage,
        cast(
            {{ elapsed_days('opportunities.created_at', 'stage_visits.observed_at') }}
            as double
        ) as days_since_created,
        cast(visit_activities.activity_count as integer) as activity_count,
        cast(visit_activities.stage_activity_count as integer) as stage_activity_count,
        cast(visit_activities.meeting_count as integer) as meeting_count,
        cast(track_record.rep_prior_closed_count as integer) as rep_prior_closed_count,
        cast(track_record.rep_prior_won_count as integer) as rep_prior_won_count,
        cast(track_record.company_prior_closed_count as integer) as company_prior_closed_count,
        cast(track_record.company_prior_won_count as integer) as company_prior_won_count,
        cast(
            {{ dbt.datediff('rep_attributes.hired_on', 'stage_visits.observed_at', 'day') }} / 365.25 as double
        ) as rep_tenure_years,

        -- booleans
        stage_visits.exited_at is null as is_current_stage,
        coalesce(opportunities.closed_at <= as_of.as_of_at, false) as is_closed,
        coalesce(opportunities.closed_at <= as_of.as_of_at and opportunities.is_won, false) as is_won,

        -- timestamps
        opportunities.created_at as opportunity_created_at,
        case
            when opportunities.closed_at <= as_of.as_of_at then opportunities.closed_at
        end as opportunity_closed_at,
        stage_visits.entered_at as stage_entered_at,
        stage_visits.exited_at as stage_exited_at,
        stage_visits.observed_at

    from stage_visits
    cross join as_of
    inner join opportunities
        on stage_visits.opportunity_id = opportunities.opportunity_id
    left join leads
        on opportunities.lead_id = leads.lead_id
    left join track_record
        on stage_visits.opportunity_id = track_record.opportunity_id
    left join visit_activities
        on
            stage_visits.opportunity_id = visit_activities.opportunity_id
            and stage_visits.stage_name = visit_activities.stage_name
    left join rep_attributes
        on opportunities.sales_rep_id = rep_attributes.sales_rep_id

)

select * from final
