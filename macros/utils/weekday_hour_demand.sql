{#
    Demand by ISO weekday (1 = Monday) x hour of day for one event stream (orders placed, tickets
    opened): all 168 cells, the count, the average per week (the count over how many times that
    weekday occurs between the stream's first and last day, so partial first and last weeks do not
    bias it), the share of the busiest cell and the percent rank (0 = busiest).
    Output columns: iso_weekday, hour_of_day, <count_column>, <average_column>,
    <prefix>_share_of_peak, <prefix>_percent_rank. Used by demand_heatmap for orders and tickets.
#}
{% macro weekday_hour_demand(events, event_at, event_date, count_column, average_column, prefix) %}
    with

    cells as (

        select
            weekdays.iso_weekday,
            hours.hour_of_day
        from (select unnest(generate_series(1, 7)) as iso_weekday) as weekdays
        cross join (select unnest(generate_series(0, 23)) as hour_of_day) as hours

    ),

    event_days as (

        {{ day_spine(
            '(select min(' ~ event_date ~ ') from ' ~ events ~ ')',
            '(select max(' ~ event_date ~ ') from ' ~ events ~ ')'
        ) }}

    ),

    weekday_occurrences as (

        select
            cast(extract(isodow from date_day) as integer) as iso_weekday,
            count(*) as weekday_occurrences
        from event_days
        group by cast(extract(isodow from date_day) as integer)

    ),

    event_counts as (

        select
            cast(extract(isodow from {{ event_at }}) as integer) as iso_weekday,
            cast(extract(hour from {{ event_at }}) as integer) as hour_of_day,
            count(*) as event_count
        from {{ events }}
        group by
            cast(extract(isodow from {{ event_at }}) as integer),
            cast(extract(hour from {{ event_at }}) as integer)

    ),

    event_cells as (

        select
            cells.iso_weekday,
            cells.hour_of_day,
            coalesce(event_counts.event_count, 0) as {{ count_column }},
            cast(coalesce(event_counts.event_count, 0) as double)
            / nullif(weekday_occurrences.weekday_occurrences, 0) as {{ average_column }}
        from cells
        left join event_counts
            on
                cells.iso_weekday = event_counts.iso_weekday
                and cells.hour_of_day = event_counts.hour_of_day
        left join weekday_occurrences
            on cells.iso_weekday = weekday_occurrences.iso_weekday

    )

    select
        *,
        {{ average_column }} / nullif(max({{ average_column }}) over (), 0) as {{ prefix }}_share_of_peak,
        percent_rank() over (order by {{ average_column }} desc) as {{ prefix }}_percent_rank
    from event_cells
{% endmacro %}
