{# Same rows as orders_source; 0.004 of rounding noise on order 3 stays within the tolerance #}
select
    order_id,
    case when order_id = 3 then amount + 0.004 else amount end as order_amount
from {{ ref('orders_source') }}
