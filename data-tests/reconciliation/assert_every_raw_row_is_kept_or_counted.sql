{#
    Nothing is dropped silently: for each deduplicated raw entity, raw rows = rows staging keeps
    + rows the data-quality mart records as exact or conflicting duplicates or superseded versions.
#}
{%- set entities = [
    ('shop.customers', 'base_shop__customers', 'stg_shop__customers'),
    ('shop.products', 'base_shop__products', 'stg_shop__products'),
    ('shop.orders', 'base_shop__orders', 'stg_shop__orders'),
    ('shop.order_lines', 'base_shop__order_lines', 'stg_shop__order_lines'),
] -%}
{%- if var('enable_service') -%}
    {%- do entities.append(('service.support_tickets', 'base_service__support_tickets',
        'stg_service__support_tickets')) -%}
{%- endif %}

with

deduplicated as (

    select
        source_table,
        count(*) as dropped_rows
    from {{ ref('dq_failed_rows') }}
    where rule_name in ('duplicate_row', 'conflicting_duplicate', 'superseded_version')
    group by source_table

),

counts as (

    {%- for source_table, base_model, staging_model in entities %}
    select
        '{{ source_table }}' as source_table,
        (select count(*) as row_count from {{ ref(base_model) }}) as raw_rows,
        (select count(*) as row_count from {{ ref(staging_model) }}) as kept_rows
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}

)

select
    counts.source_table,
    counts.raw_rows,
    counts.kept_rows,
    coalesce(deduplicated.dropped_rows, 0) as dropped_rows
from counts
left join deduplicated
    on counts.source_table = deduplicated.source_table
where counts.raw_rows != counts.kept_rows + coalesce(deduplicated.dropped_rows, 0)
