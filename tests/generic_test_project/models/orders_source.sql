select
    1 as order_id,
    10.00 as amount
union all
select
    2 as order_id,
    20.00 as amount
union all
select
    3 as order_id,
    30.00 as amount
union all
select
    4 as order_id,
    40.00 as amount
union all
select
    5 as order_id,
    50.00 as amount
