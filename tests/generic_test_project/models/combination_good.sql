select
    1 as order_id,
    1 as line_number
union all
select
    1 as order_id,
    2 as line_number
union all
select
    2 as order_id,
    1 as line_number
