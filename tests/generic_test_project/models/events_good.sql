{#
    Naive UTC timestamps, as in the warehouse. The row two hours before now (UTC) must pass even
    though the session time zone is UTC+8.
#}
select
    1 as event_id,
    cast('2024-06-01 12:00:00' as timestamp) as event_at,
    cast('2024-06-01' as date) as event_date
union all
select
    2 as event_id,
    cast(now() at time zone 'UTC' as timestamp) - interval 2 hour as event_at,
    cast(now() at time zone 'UTC' as date) - 1 as event_date
