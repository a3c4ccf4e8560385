{# (1, 1) occurs three times and (2, 1) twice: two duplicated combinations #}
select
    1 as order_id,
    1 as line_number
union all
select
    1 as order_id,
    1 as line_number
union all
select
    1 as order_id,
    1 as line_number
union all
select
    2 as order_id,
    1 as line_number
union all
select
    2 as order_id,
    1 as line_number
union all
select
    3 as order_id,
    1 as line_number
