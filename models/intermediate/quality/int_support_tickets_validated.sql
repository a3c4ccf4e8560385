{{ config(enabled=var('enable_service')) }}

{# Latest tickets with the cross-table rule: the customer must exist. is_excluded drives the marts. #}
with

tickets as (

    select * from {{ ref('stg_service__support_tickets') }}

),

customers as (

    select customer_id from {{ ref('stg_shop__customers') }}

),

final as (

    select
        tickets.*,
        customers.customer_id is null as is_orphan_customer,
        customers.customer_id is null as is_excluded
    from tickets
    left join customers
        on tickets.customer_id = customers.customer_id

)

select * from final
