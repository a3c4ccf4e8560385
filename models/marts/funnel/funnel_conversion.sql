{{ config(enabled=var('enable_pipeline')) }}

with

stage_visits as (

    select * from {{ ref('fct_opportunity_stages') }}

),

funnel_stages as (

    select * from {{ ref('funnel_stages') }}

),

open_stages as (

    select
        stage_name,
        stage_order
    from funnel_stages
    where not is_closed

),

opportunity_results as (

    select
        opportunity_id,
        max(case when outcome = 'won' then 1 else 0 end) = 1 as is_won
    from stage_visits
    group by opportunity_id

),

cohorts as (

    select distinct
        cohort_month,
        lead_source,
        region_code,
        sales_rep_id
    from stage_visits

),

cohort_stages as (

    {#- Every cohort gets a row for every open stage (zero entrants where nobody got that far), so
        a funnel reads top to bottom without gaps. #}
    select
        cohorts.cohort_month,
        cohorts.lead_source,
        cohorts.region_code,
        cohorts.sales_rep_id,
        open_stages.stage_name,
        open_stages.stage_order
    from cohorts
    cross join open_stages

),

stage_counts as (

    select
        stage_visits.cohort_month,
        stage_visits.lead_source,
        stage_visits.region_code,
        stage_visits.sales_rep_id,
        stage_visits.stage_name,
        count(*) as entrants,
        sum(case when stage_visits.outcome in ('advanced', 'won') then 1 else 0 end) as advanced,
        sum(case when stage_visits.outcome = 'lost' then 1 else 0 end) as lost,
        sum(case when stage_visits.outcome = 'open' then 1 else 0 end) as still_open,
        sum(case when opportunity_results.is_won then 1 else 0 end) as won
    from stage_visits
    inner join opportunity_results
        on stage_visits.opportunity_id = opportunity_results.opportunity_id
    group by
        stage_visits.cohort_month,
        stage_visits.lead_source,
        stage_visits.region_code,
        stage_visits.sales_rep_id,
        stage_visits.stage_name

),

final as (

    select
        {{ surrogate_key([
            'cohort_stages.cohort_month',
            'cohort_stages.lead_source',
            'cohort_stages.region_code',
            'cohort_stages.sales_rep_id',
            'cohort_stages.stage_name',
        ]) }} as funnel_conversion_id,
        cohort_stages.cohort_month,
        cohort_stages.lead_source,
        cohort_stages.region_code,
        cohort_stages.sales_rep_id,
        cohort_stages.stage_name,
        cohort_stages.stage_order,
        cast(coalesce(stage_counts.entrants, 0) as bigint) as entrants,
        cast(coalesce(stage_counts.advanced, 0) as bigint) as advanced,
        cast(coalesce(stage_counts.lost, 0) as bigint) as lost,
        cast(coalesce(stage_counts.still_open, 0) as bigint) as still_open,
        cast(coalesce(stage_counts.won, 0) as bigint) as won,
        cast(stage_counts.advanced as double)
        / nullif(stage_counts.entrants, 0) as conversion_to_next_rate,
        cast(stage_counts.won as double)
        / nullif(stage_counts.entrants, 0) as conversion_to_won_rate
    from cohort_stages
    left join stage_counts
        on
            cohort_stages.cohort_month = stage_counts.cohort_month
            and cohort_stages.lead_source = stage_counts.lead_source
            and cohort_stages.region_code = stage_counts.region_code
            and cohort_stages.sales_rep_id = stage_counts.sales_rep_id
            and cohort_stages.stage_name = stage_counts.stage_name

)

select * from final
