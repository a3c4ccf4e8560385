{#
    The calendar. It covers var('calendar_start') to var('calendar_end') and is widened to whole
    years whenever valid orders fall outside that range, so every order date joins. Holidays are
    the rows of the holidays seed for var('holiday_country') (default CN).
    Fiscal years are named after the calendar year in which they end (a fiscal year starting in
    April 2025 is fiscal 2026); with the default start month of 1 they equal calendar years.
    A test in the YAML fails the build when var('fiscal_year_start_month') is not 1 to 12.
#}
{%- set fiscal_year_start_month = var('fiscal_year_start_month') | int %}

with

orders as (

    select * from {{ ref('stg_shop__orders') }}
    where not is_excluded

),

holidays as (

    {#- Only the selected country's rows of the seed apply. #}
    select * from {{ ref('holidays') }}
    where country_code = '{{ var("holiday_country") }}'

),

calendar_bounds as (

    select
        least(
            coalesce(
                cast({{ dbt.date_trunc('year', 'min(placed_date)') }} as date),
                cast('{{ var("calendar_start") }}' as date)
            ),
            cast('{{ var("calendar_start") }}' as date)
        ) as start_date,
        greatest(
            coalesce(
                {{ dbt.last_day('max(placed_date)', 'year') }},
                cast('{{ var("calendar_end") }}' as date)
            ),
            cast('{{ var("calendar_end") }}' as date)
        ) as end_date
    from orders

),

date_spine as (

    {{ day_spine('(select start_date from calendar_bounds)', '(select end_date from calendar_bounds)') }}

),

date_parts as (

    select
        date_day,
        cast(extract(isodow from date_day) as integer) as weekday_number,
        dayname(date_day) as weekday_name,
        cast(extract(isoyear from date_day) as integer) as iso_year,
        cast(extract(week from date_day) as integer) as iso_week,
        cast({{ dbt.date_trunc('week', 'date_day') }} as date) as week_start_date,
        cast(extract(day from date_day) as integer) as day_of_month,
        cast(extract(doy from date_day) as integer) as day_of_year,
        cast(extract(month from date_day) as integer) as month_number,
        monthname(date_day) as month_name,
        {{ month_start('date_day') }} as month_start_date,
        cast({{ dbt.last_day('date_day', 'month') }} as date) as month_end_date,
        cast(extract(quarter from date_day) as integer) as quarter_number,
        cast({{ dbt.date_trunc('quarter', 'date_day') }} as date) as quarter_start_date,
        cast(extract(year from date_day) as integer) as year_number,
        {# Shifting the date back to the fiscal year's first month turns fiscal parts into calendar parts. #}
        cast(
            {{ dbt.dateadd('month', 1 - fiscal_year_start_month, 'date_day') }} as date
        ) as fiscal_shifted_date
    from date_spine

),

final as (

    select
        date_parts.date_day,
        date_parts.weekday_number,
        date_parts.weekday_name,
        date_parts.weekday_number >= 6 as is_weekend,
        date_parts.iso_year,
        date_parts.iso_week,
        date_parts.week_start_date,
        date_parts.day_of_month,
        date_parts.day_of_year,
        date_parts.month_number,
        date_parts.month_name,
        date_parts.month_start_date,
        date_parts.month_end_date,
        date_parts.quarter_number,
        date_parts.quarter_start_date,
        date_parts.year_number,
        cast(
            extract(year from date_parts.fiscal_shifted_date) + {{ 0 if fiscal_year_start_month == 1 else 1 }}
            as integer
        ) as fiscal_year,
        cast(extract(quarter from date_parts.fiscal_shifted_date) as integer) as fiscal_quarter,
        holidays.holiday_name,
        holidays.holiday_type,
        coalesce(holidays.holiday_type = 'public_holiday', false) as is_public_holiday,
        coalesce(holidays.holiday_type = 'shopping_festival', false) as is_shopping_festival,
        coalesce(
            holidays.holiday_type = 'public_holiday' and holidays.holiday_name = 'Spring Festival', false
        ) as is_spring_festival_period,
        {#
            The seed decides for the days it lists (false on every public holiday); every other
            day works from Monday to Friday. Weekend make-up working days are not in the seed.
        #}
        coalesce(holidays.is_working_day, date_parts.weekday_number <= 5) as is_working_day
    from date_parts
    left join holidays
        on date_parts.date_day = holidays.holiday_date

)

select * from final
