{{ config(enabled=var('enable_pipeline')) }}

{%- set velocity_window_days = var('pipeline_velocity_window_days') -%}
{%- set with_quota = var('enable_sales_team') -%}

with

stage_visits as (

    select * from {{ ref('fct_opportunity_stages') }}

),

regions as (

    select * from {{ ref('regions') }}

),

{% if with_quota -%}
sales_targets as (

    select * from {{ ref('stg_hr__sales_targets') }}

),

sales_reps as (

    select * from {{ ref('stg_hr__sales_reps') }}

),

{% endif -%}
visits as (

    select
        region_code,
        stage_entry_amount,
        default_probability,
        entered_at,
        {{ coalesce_to_infinity('exited_at') }} as exited_or_open_at
    from stage_visits

),

closed_deals as (

    {#- The last visit of a closed opportunity carries its close: exit time and won/lost. #}
    select
        region_code,
        outcome = 'won' as is_won,
        exited_at as closed_at,
        opportunity_amount,
        {# A close before the creation (disordered export) has no cycle time. #}
        case
            when exited_at >= opportunity_created_at
                then {{ elapsed_days('opportunity_created_at', 'exited_at') }}
        end as sales_cycle_days
    from stage_visits
    where outcome in ('won', 'lost')

),

bounds as (

    select
        min(entered_at) as first_event_at,
        max(coalesce(exited_at, entered_at)) as last_event_at
    from stage_visits

),

months as (

    select distinct
        {{ month_start('spine.date_day') }} as month_start
    from (
        {{ day_spine('(select first_event_at from bounds)', '(select last_event_at from bounds)') }}
    ) as spine

),

month_regions as (

    select
        months.month_start,
        cast(months.month_start as {{ dbt.type_timestamp() }}) as month_start_at,
        {{ dbt.dateadd(
            'day',
            '-' ~ velocity_window_days,
            'cast(months.month_start as ' ~ dbt.type_timestamp() ~ ')'
        ) }} as velocity_window_start_at,
        regions.region_code
    from months
    cross join regions

),

open_at_month_start as (

    select
        month_regions.month_start,
        month_regions.region_code,
        count(*) as open_opportunity_count,
        sum(visits.stage_entry_amount) as open_pipeline_value,
        sum(visits.stage_entry_amount * visits.default_probability) as weighted_pipeline_value
    from month_regions
    inner join visits
        on
            month_regions.region_code = visits.region_code
            and month_regions.month_start_at > visits.entered_at
            and month_regions.month_start_at <= visits.exited_or_open_at
    group by
        month_regions.month_start,
        month_regions.region_code

),

trailing_closed as (

    select
        month_regions.month_start,
        month_regions.region_code,
        count(*) as closed_deal_count,
        sum(case when closed_deals.is_won then 1 else 0 end) as won_deal_count,
        avg(case when closed_deals.is_won then closed_deals.opportunity_amount end) as average_won_deal_amount,
        avg(case when closed_deals.is_won then closed_deals.sales_cycle_days end) as average_sales_cycle_days
    from month_regions
    inner join closed_deals
        on
            month_regions.region_code = closed_deals.region_code
            and month_regions.velocity_window_start_at <= closed_deals.closed_at
            and month_regions.month_start_at > closed_deals.closed_at
    group by
        month_regions.month_start,
        month_regions.region_code

),

quota as (

    {%- if with_quota %}
    select
        sales_targets.target_month as month_start,
        sales_reps.region_code,
        sum(sales_targets.revenue_target) as quota_amount
    from sales_targets
    inner join sales_reps
        on sales_targets.sales_rep_id = sales_reps.sales_rep_id
    group by
        sales_targets.target_month,
        sales_reps.region_code
    {%- else %}
    {#- Without the sales-team domain there are no quotas: one typed row that joins to nothing. #}
    select
        cast(null as date) as month_start,
        cast(null as {{ dbt.type_string() }}) as region_code,
        cast(null as decimal(18, 2)) as quota_amount
    {%- endif %}

),

combined as (

    select
        month_regions.month_start,
        month_regions.region_code,
        coalesce(open_at_month_start.open_opportunity_count, 0) as open_opportunity_count,
        coalesce(open_at_month_start.open_pipeline_value, 0) as open_pipeline_value,
        coalesce(open_at_month_start.weighted_pipeline_value, 0) as weighted_pipeline_value,
        {#- At the month-start snapshot nothing of the month is closed yet, so the whole monthly
            quota remains. #}
        quota.quota_amount as remaining_quota_amount,
        coalesce(trailing_closed.closed_deal_count, 0) as trailing_closed_deal_count,
        coalesce(trailing_closed.won_deal_count, 0) as trailing_won_deal_count,
        cast(trailing_closed.won_deal_count as double)
        / nullif(trailing_closed.closed_deal_count, 0) as trailing_win_rate,
        trailing_closed.average_won_deal_amount,
        trailing_closed.average_sales_cycle_days
    from month_regions
    left join open_at_month_start
        on
            month_regions.month_start = open_at_month_start.month_start
            and month_regions.region_code = open_at_month_start.region_code
    left join trailing_closed
        on
            month_regions.month_start = trailing_closed.month_start
            and month_regions.region_code = trailing_closed.region_code
    left join quota
        on
            month_regions.month_start = quota.month_start
            and month_regions.region_code = quota.region_code

),

final as (

    select
        {{ surrogate_key(['month_start', 'region_code']) }} as pipeline_coverage_id,
        month_start,
        region_code,
        cast(open_opportunity_count as bigint) as open_opportunity_count,
        cast(open_pipeline_value as decimal(18, 2)) as open_pipeline_value,
        cast(weighted_pipeline_value as decimal(18, 2)) as weighted_pipeline_value,
        cast(remaining_quota_amount as decimal(18, 2)) as remaining_quota_amount,
        cast(weighted_pipeline_value / nullif(remaining_quota_amount, 0) as double)
            as coverage_ratio,
        cast(trailing_closed_deal_count as bigint) as trailing_closed_deal_count,
        cast(trailing_won_deal_count as bigint) as trailing_won_deal_count,
        cast(trailing_win_rate as double) as trailing_win_rate,
        cast(average_won_deal_amount as decimal(18, 2)) as average_won_deal_amount,
        cast(average_sales_cycle_days as double) as average_sales_cycle_days,
        cast(
            open_opportunity_count * trailing_win_rate * average_won_deal_amount
            / nullif(average_sales_cycle_days, 0)
            as decimal(18, 2)
        ) as sales_velocity
    from combined

)

select * from final
