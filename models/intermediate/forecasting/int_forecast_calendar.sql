{#
    The forecasting calendar: one row per day from the first revenue order line to the end of the
    forecast horizon, with the calendar drivers the calendar regression uses. Future drivers are
    known in advance: holidays come from the holidays seed (the rows of var('holiday_country')), and
    promotion campaigns from the marketing plan (stg_marketing__campaigns; zero when
    var('enable_marketing') is off).

    History ends on the data's last full day: var('as_of_date') when set, else the last placed_date
    of a revenue line, but never later than the day before the run ("now" is a day in progress).
    The horizon is var('forecast_horizon_days') days after it.
#}
{%- set horizon_days = var('forecast_horizon_days') | int -%}
{%- set run_up_days = var('forecast_festival_run_up_days') | int -%}
{%- set spring_festival_window_days = var('forecast_spring_festival_window_days') | int %}

with

order_lines as (

    select * from {{ ref('fct_order_lines') }}
    where is_revenue

),

holidays as (

    {#- Only the selected country's rows of the seed apply. #}
    select * from {{ ref('holidays') }}
    where country_code = '{{ var("holiday_country") }}'

),

{% if var('enable_marketing') -%}
campaigns as (

    select * from {{ ref('stg_marketing__campaigns') }}

),

{% endif -%}
history_bounds as (

    select
        min(placed_date) as history_start_date,
        coalesce(
            {{ as_of_date() }},
            least(max(placed_date), cast({{ dbt.dateadd('day', -1, as_of_timestamp()) }} as date))
        ) as history_end_date
    from order_lines

),

date_spine as (

    {{ day_spine(
        '(select history_start_date from history_bounds)',
        dbt.dateadd('day', horizon_days, '(select history_end_date from history_bounds)')
    ) }}

),

spring_festivals as (

    {#- The seed lists the public holiday days; the trough starts before them and lasts after. #}
    select
        min(holiday_date) as first_holiday_date,
        max(holiday_date) as last_holiday_date
    from holidays
    where holiday_name = 'Spring Festival'
    group by extract(year from holiday_date)

),

shopping_festival_days as (

    select
        holiday_date,
        min(holiday_name) as shopping_festival_name
    from holidays
    where holiday_type = 'shopping_festival'
    group by holiday_date

),

public_holiday_days as (

    select
        holiday_date,
        min(holiday_name) as public_holiday_name
    from holidays
    where holiday_type = 'public_holiday' and holiday_name != 'Spring Festival'
    group by holiday_date

),

run_up_days as (

    {#- Days in the run-up to a shopping festival (the festival day itself excluded). #}
    select
        date_spine.date_day,
        min(shopping_festival_days.shopping_festival_name) as run_up_festival_name
    from date_spine
    inner join shopping_festival_days
        on
            date_spine.date_day < shopping_festival_days.holiday_date
            and {{ dbt.dateadd('day', run_up_days, 'date_spine.date_day') }}
            >= shopping_festival_days.holiday_date
    group by date_spine.date_day

),

spring_festival_phases as (

    select
        date_spine.date_day,
        min(
            case
                when date_spine.date_day < spring_festivals.first_holiday_date then 'before'
                when date_spine.date_day > spring_festivals.last_holiday_date then 'after'
                else 'during'
            end
        ) as spring_festival_phase
    from date_spine
    inner join spring_festivals
        on
            date_spine.date_day
            >= {{ dbt.dateadd('day', -spring_festival_window_days, 'spring_festivals.first_holiday_date') }}
            and date_spine.date_day
            <= {{ dbt.dateadd('day', spring_festival_window_days, 'spring_festivals.last_holiday_date') }}
    group by date_spine.date_day

),

promotion_days as (

    {#- Festival campaigns run exactly in the festival run-up, which has its own driver. #}
    {%- if var('enable_marketing') %}
    select
        date_spine.date_day,
        count(*) as promotion_campaign_count
    from date_spine
    inner join campaigns
        on date_spine.date_day between campaigns.start_date and campaigns.end_date
    where campaigns.campaign_type != 'festival'
    group by date_spine.date_day
    {%- else %}
    select
        cast(null as date) as date_day,
        cast(0 as bigint) as promotion_campaign_count
    where false
    {%- endif %}

),

final as (

    select
        date_spine.date_day,
        date_spine.date_day <= history_bounds.history_end_date as is_history,
        cast(extract(isodow from date_spine.date_day) as integer) as weekday_number,
        cast(extract(doy from date_spine.date_day) as integer) as day_of_year,
        spring_festival_phases.spring_festival_phase,
        shopping_festival_days.shopping_festival_name,
        run_up_days.run_up_festival_name,
        public_holiday_days.public_holiday_name,
        cast(coalesce(promotion_days.promotion_campaign_count, 0) as integer) as promotion_campaign_count
    from date_spine
    cross join history_bounds
    left join spring_festival_phases
        on date_spine.date_day = spring_festival_phases.date_day
    left join shopping_festival_days
        on date_spine.date_day = shopping_festival_days.holiday_date
    left join run_up_days
        on date_spine.date_day = run_up_days.date_day
    left join public_holiday_days
        on date_spine.date_day = public_holiday_days.holiday_date
    left join promotion_days
        on date_spine.date_day = promotion_days.date_day

)

select * from final
