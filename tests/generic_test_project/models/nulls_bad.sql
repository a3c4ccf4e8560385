{# Two null customer_ids (one of them in a store row) and one null channel: three null values. #}
select
    1 as customer_id,
    cast(null as varchar) as channel
union all
select
    cast(null as integer) as customer_id,
    'web' as channel
union all
select
    cast(null as integer) as customer_id,
    'store' as channel
union all
select
    4 as customer_id,
    'web' as channel
