{#
    One row per calendar day from start_date to end_date, both ends included, as `date_day`.
    start_date and end_date are SQL expressions of a date: literals, or scalar subqueries such as
    "(select start_date from calendar_bounds)".

    Named day_spine rather than date_spine so that it does not shadow dbt's own
    date_spine(datepart, start_date, end_date), which excludes the end date. Only the row
    generator (generate_series + unnest: DuckDB, Postgres) is adapter-specific; the dates come
    from dbt.datediff and dbt.dateadd.
#}
{% macro day_spine(start_date, end_date) %}
    select
        cast({{ dbt.dateadd('day', 'day_offsets.day_offset', 'day_offsets.start_date') }} as date) as date_day
    from (
        select
            spine_bounds.start_date,
            unnest(
                generate_series(0, {{ dbt.datediff('spine_bounds.start_date', 'spine_bounds.end_date', 'day') }})
            ) as day_offset
        from (
            select
                cast({{ start_date }} as date) as start_date,
                cast({{ end_date }} as date) as end_date
        ) as spine_bounds
    ) as day_offsets
{% endmacro %}
