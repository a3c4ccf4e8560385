{#
    True when a code is present but missing from its reference seed (regions, channels,
    order_statuses, funnel_stages ...). Null is not "unknown" but missing: callers show it as
    'unknown' and count it separately where it matters. Reference lists live in seeds the user edits.
    Example: is_unknown_code('region_code', 'regions', 'region_code')
#}
{% macro is_unknown_code(expression, seed_name, code_column, seed_filter=none) -%}
    coalesce({{ expression }} not in (
        select {{ code_column }} from {{ ref(seed_name) }}
        {%- if seed_filter %} where {{ seed_filter }}{% endif %}
    ), false)
{%- endmacro %}
