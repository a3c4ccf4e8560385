{# Order 4 was dropped: one row and 40.00 short of orders_source #}
select
    order_id,
    amount as order_amount
from {{ ref('orders_source') }}
where order_id != 4
