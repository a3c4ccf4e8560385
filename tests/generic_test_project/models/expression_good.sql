select
    1 as order_id,
    100.00 as order_total,
    100.00 as lines_total,
    0.00 as discount
union all
select
    2 as order_id,
    50.00 as order_total,
    50.00 as lines_total,
    5.00 as discount
