{#
    One row per (source row, failed rule). Rules on single rows come from the base_ staging
    models (which keep every raw row); rules that need another table come from the validated
    intermediate models. Severity and action come from the data_quality_rules seed.
#}
with

failures as (

    {{ data_quality_rule_rows(ref('base_shop__customers'), 'shop.customers', 'customer_id', [
        {'name': 'duplicate_row', 'flag': 'is_duplicate_row', 'value': 'updated_at'},
        {'name': 'conflicting_duplicate', 'flag': 'is_conflicting_duplicate',
         'value': "'updated_at=' || updated_at || ' content_hash=' || content_hash"},
        {'name': 'superseded_version', 'flag': 'is_superseded_version', 'value': 'updated_at'},
        {'name': 'invalid_email', 'flag': 'is_latest_version and has_invalid_email', 'value': 'email'},
        {'name': 'non_standard_string', 'flag': 'is_latest_version and has_non_standard_string',
         'value': "gender_as_received || ' / ' || region_code_as_received"},
        {'name': 'unknown_code', 'flag': 'is_latest_version and has_unknown_code',
         'value': "'region_code=' || coalesce(region_code, '') || ' / customer_type=' || coalesce(customer_type, '')"},
    ]) }}

    union all

    {{ data_quality_rule_rows(ref('base_shop__orders'), 'shop.orders', 'order_id', [
        {'name': 'duplicate_row', 'flag': 'is_duplicate_row', 'value': 'updated_at'},
        {'name': 'conflicting_duplicate', 'flag': 'is_conflicting_duplicate',
         'value': "'updated_at=' || updated_at || ' content_hash=' || content_hash"},
        {'name': 'superseded_version', 'flag': 'is_superseded_version', 'value': 'updated_at'},
        {'name': 'non_standard_string', 'flag': 'is_latest_version and has_non_standard_string',
         'value': 'channel_as_received'},
        {'name': 'future_timestamp', 'flag': 'is_latest_version and is_future_dated', 'value': 'placed_at'},
        {'name': 'before_business_start', 'flag': 'is_latest_version and is_before_business_start',
         'value': 'placed_at'},
        {'name': 'unknown_status', 'flag': 'is_latest_version and has_unknown_status',
         'value': 'status_code_as_received'},
        {'name': 'unknown_code', 'flag': 'is_latest_version and has_unknown_channel', 'value': "'channel=' || channel"},
        {'name': 'guest_order', 'flag': 'is_latest_version and is_guest_order', 'value': "'customer_id=null'"},
        {'name': 'disordered_timestamps', 'flag': 'is_latest_version and has_disordered_timestamps',
         'value': "'placed ' || placed_at || ', paid ' || coalesce(paid_at::varchar, '-') || ', shipped ' || coalesce(shipped_at::varchar, '-') || ', delivered ' || coalesce(delivered_at::varchar, '-')"},
    ]) }}

    union all

    {{ data_quality_rule_rows(ref('base_shop__order_lines'), 'shop.order_lines',
        "order_id || '-' || line_number", [
        {'name': 'duplicate_row', 'flag': 'is_duplicate_row', 'value': 'updated_at'},
        {'name': 'conflicting_duplicate', 'flag': 'is_conflicting_duplicate',
         'value': "'updated_at=' || updated_at || ' content_hash=' || content_hash"},
        {'name': 'superseded_version', 'flag': 'is_superseded_version', 'value': 'updated_at'},
    ]) }}

    union all

    {{ data_quality_rule_rows(ref('int_order_lines_validated'), 'shop.order_lines',
        "order_id || '-' || line_number", [
        {'name': 'negative_quantity', 'flag': 'is_negative_quantity_on_sale', 'value': 'quantity'},
        {'name': 'negative_price', 'flag': 'has_negative_price', 'value': 'unit_price'},
        {'name': 'missing_cost', 'flag': 'is_missing_cost', 'value': "'unit_cost=null'"},
        {'name': 'orphan_foreign_key', 'flag': 'is_orphan_product', 'value': "'product_id=' || product_id"},
        {'name': 'parent_order_excluded', 'flag': 'is_parent_order_excluded', 'value': "'order_id=' || order_id"},
        {'name': 'quantity_outlier', 'flag': 'is_quantity_outlier',
         'value': "quantity || ' (limit ' || quantity_limit || ')'"},
        {'name': 'price_outlier_high', 'flag': 'is_price_outlier_high',
         'value': "unit_price || ' (upper limit ' || unit_price_upper_limit || ')'"},
        {'name': 'price_outlier_low', 'flag': 'is_price_outlier_low',
         'value': "unit_price || ' (lower limit ' || unit_price_lower_limit || ')'"},
    ]) }}

    union all

    {{ data_quality_rule_rows(ref('base_shop__products'), 'shop.products', 'product_id', [
        {'name': 'duplicate_row', 'flag': 'is_duplicate_row', 'value': 'updated_at'},
        {'name': 'conflicting_duplicate', 'flag': 'is_conflicting_duplicate',
         'value': "'updated_at=' || updated_at || ' content_hash=' || content_hash"},
        {'name': 'superseded_version', 'flag': 'is_superseded_version', 'value': 'updated_at'},
    ]) }}

    {%- if var('enable_pipeline') %}

    union all

    {{ data_quality_rule_rows(ref('stg_crm__leads'), 'crm.leads', 'lead_id', [
        {'name': 'unknown_code', 'flag': 'has_unknown_code',
         'value': "'lead_source=' || coalesce(lead_source_as_received, 'null') || ' / region_code=' || region_code"},
    ], row_id_expression="lead_id || '#1'") }}

    union all

    {{ data_quality_rule_rows(ref('stg_crm__opportunities'), 'crm.opportunities', 'opportunity_id', [
        {'name': 'disordered_timestamps', 'flag': 'has_disordered_timestamps',
         'value': "'created ' || created_at || ', closed ' || closed_at"},
    ], row_id_expression="opportunity_id || '#1'") }}

    union all

    {%- set activities_with_loads -%}
        (select fct_activities.*, stg_crm__activities.loaded_at
         from {{ ref('fct_activities') }} as fct_activities
         inner join {{ ref('stg_crm__activities') }} as stg_crm__activities
             on fct_activities.activity_id = stg_crm__activities.activity_id)
    {%- endset %}
    {{ data_quality_rule_rows(activities_with_loads, 'crm.activities', 'activity_id', [
        {'name': 'pending_parent', 'flag': 'is_opportunity_pending', 'value': "'opportunity_id=' || opportunity_id"},
    ], row_id_expression="activity_id") }}
    {%- endif %}

    {%- if var('enable_service') %}

    union all

    {{ data_quality_rule_rows(ref('base_service__support_tickets'), 'service.support_tickets', 'ticket_id', [
        {'name': 'duplicate_row', 'flag': 'is_duplicate_row', 'value': 'updated_at'},
        {'name': 'conflicting_duplicate', 'flag': 'is_conflicting_duplicate',
         'value': "'updated_at=' || updated_at || ' content_hash=' || content_hash"},
        {'name': 'superseded_version', 'flag': 'is_superseded_version', 'value': 'updated_at'},
    ]) }}

    union all

    {{ data_quality_rule_rows(ref('int_support_tickets_validated'), 'service.support_tickets', 'ticket_id', [
        {'name': 'orphan_foreign_key', 'flag': 'is_orphan_customer', 'value': "'customer_id=' || customer_id"},
    ]) }}
    {%- endif %}

),

rules as (

    select * from {{ ref('data_quality_rules') }}

),

final as (

    select
        {{ surrogate_key(['failures.source_table', 'failures.source_row_id', 'failures.rule_name']) }}
            as failure_id,
        failures.source_table,
        failures.source_row_id,
        failures.record_key,
        failures.rule_name,
        coalesce(rules.severity, 'unclassified') as severity,
        coalesce(rules.action, 'unclassified') as action_taken,
        failures.failed_value,
        failures.loaded_at,
        cast(failures.loaded_at as date) as loaded_date
    from failures
    left join rules
        on failures.rule_name = rules.rule_name

)

select * from final
