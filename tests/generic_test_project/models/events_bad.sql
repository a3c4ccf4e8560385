{#
    Two rows in the future: year 2999, and two hours after now in UTC. The second one would pass
    wrongly if the test compared the naive timestamp with now() in the UTC+8 session time zone.
#}
select
    1 as event_id,
    cast('2024-06-01 12:00:00' as timestamp) as event_at,
    cast('2024-06-01' as date) as event_date
union all
select
    2 as event_id,
    cast('2999-01-01 00:00:00' as timestamp) as event_at,
    cast('2999-01-01' as date) as event_date
union all
select
    3 as event_id,
    cast(now() at time zone 'UTC' as timestamp) + interval 2 hour as event_at,
    cast(now() at time zone 'UTC' as date) as event_date
