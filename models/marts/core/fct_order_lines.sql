{#
    One row per valid order line (see int_order_lines_priced) with its order's context.

    Incremental, equal to a full refresh after any late change: each run computes every valid line
    as a full refresh would (the staging views rank every raw version anyway, and some rules look
    at other rows: the order, the product, the credited order, outlier bounds), compares it with
    the stored table and writes only the difference, merged on (order_id, line_number):
    - new lines and lines whose values changed (a late correction of the line, its order, the
      product's standard cost, the order a credit note reverses; a line whose order arrived after
      it) are inserted or updated;
    - stored lines that are no longer valid lines are deleted: hard-deleted from the export (the
      line or its order, or its latest version, which brings the previous one back), or newly
      excluded by a data-quality rule (negative quantity, order future-dated or missing, unknown
      product, ...). The increment carries them as delete markers: the stored line's key with
      every other column null (order_line_id is never null in a real line), which the merge
      deletes and never inserts.
    A run without changes writes nothing. Cost over a full refresh: one scan of the stored table
    and the comparison, instead of rewriting every line.
#}
{{
    config(
        materialized='incremental',
        unique_key=['order_id', 'line_number'],
        incremental_strategy='merge',
        merge_clauses={
            'when_matched': [
                {'condition': 'DBT_INTERNAL_SOURCE.order_line_id is null', 'action': 'delete'},
                {'action': 'update', 'mode': 'by_name'}
            ],
            'when_not_matched': [
                {'condition': 'DBT_INTERNAL_SOURCE.order_line_id is not null', 'action': 'insert', 'mode': 'by_name'}
            ]
        },
        on_schema_change='fail'
    )
}}

with

order_lines as (

    select * from {{ ref('int_order_lines_priced') }}

),

final as (

    select
        order_lines.order_line_id,
        order_lines.order_id,
        order_lines.line_number,
        order_lines.customer_id,
        order_lines.product_id,
        order_lines.sales_rep_id,
        order_lines.campaign_id,
        order_lines.credited_order_id,
        order_lines.channel,
        order_lines.order_status,
        order_lines.is_revenue,
        order_lines.is_credit_note,
        order_lines.quantity,
        order_lines.unit_price,
        order_lines.unit_cost,
        order_lines.gross_amount,
        order_lines.discount_amount,
        order_lines.net_amount,
        order_lines.cost_amount,
        order_lines.margin_amount,
        order_lines.placed_at,
        order_lines.placed_date,
        order_lines.source_updated_at,
        order_lines.source_loaded_at
    from order_lines

){% if is_incremental() %},

{{ incremental_difference(['order_id', 'line_number']) }}

{%- else %}

select * from final

{%- endif %}
