{#
    Net amount, line count and units agree between fct_orders, fct_order_lines and the staging
    lines after the documented exclusions (lines flagged excluded in int_order_lines_validated,
    and lines of excluded orders). Returns a row per layer pair that disagrees.
#}
with

staging_lines as (

    select
        count(*) as line_count,
        sum(quantity) as units,
        sum(net_amount) as net_amount
    from {{ ref('stg_shop__order_lines') }}
    where order_line_id not in (
        select validated.order_line_id
        from {{ ref('int_order_lines_validated') }} as validated
        where validated.is_excluded
    )

),

fact_lines as (

    select
        count(*) as line_count,
        sum(quantity) as units,
        sum(net_amount) as net_amount
    from {{ ref('fct_order_lines') }}

),

fact_orders as (

    select
        sum(line_count) as line_count,
        sum(units) as units,
        sum(net_amount) as net_amount
    from {{ ref('fct_orders') }}

),

comparison as (

    select
        'fct_order_lines vs staging' as layers,
        fact_lines.net_amount,
        staging_lines.net_amount as expected_net_amount,
        fact_lines.line_count,
        staging_lines.line_count as expected_line_count
    from fact_lines cross join staging_lines
    where
        fact_lines.line_count != staging_lines.line_count
        or fact_lines.units != staging_lines.units
        or fact_lines.net_amount != staging_lines.net_amount

    union all

    select
        'fct_orders vs fct_order_lines' as layers,
        fact_orders.net_amount,
        fact_lines.net_amount as expected_net_amount,
        fact_orders.line_count,
        fact_lines.line_count as expected_line_count
    from fact_orders cross join fact_lines
    where
        fact_orders.line_count != fact_lines.line_count
        or fact_orders.units != fact_lines.units
        or fact_orders.net_amount != fact_lines.net_amount

)

select * from comparison
