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
        stage_order,
        default_probability
    from funnel_stages
    where not is_closed

),

visits as (

    {#- A far-future exit for open visits keeps the as-of join a plain range join. #}
    select
        stage_name,
        stage_entry_amount,
        entered_at,
        {{ coalesce_to_infinity('exited_at') }} as exited_or_open_at
    from stage_visits

),

bounds as (

    {#- From the first opportunity to the last known stage event (capped by var as_of upstream). #}
    select
        cast(min(entered_at) as date) as first_day,
        cast(max(coalesce(exited_at, entered_at)) as date) as last_day
    from stage_visits

),

days as (

    select
        spine.date_day,
        cast({{ dbt.dateadd('day', 1, 'spine.date_day') }} as {{ dbt.type_timestamp() }}) as day_end_at
    from (
        {{ day_spine('(select first_day from bounds)', '(select last_day from bounds)') }}
    ) as spine

),

open_at_day_end as (

    {#- In a stage at the end of day d: entered by then and not yet left. #}
    select
        days.date_day,
        visits.stage_name,
        count(*) as open_opportunity_count,
        sum(visits.stage_entry_amount) as open_pipeline_value
    from days
    inner join visits
        on
            days.day_end_at > visits.entered_at
            and days.day_end_at <= visits.exited_or_open_at
    group by
        days.date_day,
        visits.stage_name

),

final as (

    select
        {{ surrogate_key(['days.date_day', 'open_stages.stage_name']) }} as pipeline_day_stage_id,
        days.date_day,
        open_stages.stage_name,
        open_stages.stage_order,
        open_stages.default_probability,
        cast(coalesce(open_at_day_end.open_opportunity_count, 0) as bigint) as open_opportunity_count,
        cast(coalesce(open_at_day_end.open_pipeline_value, 0) as decimal(18, 2)) as open_pipeline_value,
        cast(
            coalesce(open_at_day_end.open_pipeline_value, 0) * open_stages.default_probability
            as decimal(18, 2)
        ) as weighted_pipeline_value
    from days
    cross join open_stages
    left join open_at_day_end
        on
            days.date_day = open_at_day_end.date_day
            and open_stages.stage_name = open_at_day_end.stage_name

)

select * from final
