{# No nulls in customer_id or channel; note is null, and it is not listed. #}
select
    1 as customer_id,
    'web' as channel,
    cast(null as varchar) as note
union all
select
    2 as customer_id,
    'store' as channel,
    'vip' as note
