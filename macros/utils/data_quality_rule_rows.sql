{#
    One select per rule, unioned: the rows of `relation` where the rule's flag is true, as
    (source_table, source_row_id, record_key, rule_name, failed_value, loaded_at).
    rules: list of {name, flag, value} where flag and value are SQL expressions.
    row_id_expression identifies the raw row (default: the base models' source_row_id).
#}
{% macro data_quality_rule_rows(relation, source_table, key_expression, rules, row_id_expression='source_row_id') %}
    {%- for rule in rules %}
    select
        '{{ source_table }}' as source_table,
        cast({{ row_id_expression }} as {{ dbt.type_string() }}) as source_row_id,
        cast({{ key_expression }} as {{ dbt.type_string() }}) as record_key,
        '{{ rule.name }}' as rule_name,
        cast({{ rule.value }} as {{ dbt.type_string() }}) as failed_value,
        loaded_at
    from {{ relation }}
    where {{ rule.flag }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
{% endmacro %}
