{#
    Codes arrive padded or in mixed case (' EAST ', 'Web'); staging compares and stores them
    trimmed and lowercased. standardised_code(column[, missing]) is that form (missing replaces a
    null, e.g. 'unknown'); is_non_standard_code(column) is true when the value as received differs
    from it (counted as non_standard_string, repaired).
#}
{% macro standardised_code(column, missing=none) -%}
    {%- if missing is none -%}
        lower(trim({{ column }}))
    {%- else -%}
        coalesce(lower(trim({{ column }})), '{{ missing }}')
    {%- endif -%}
{%- endmacro %}

{% macro is_non_standard_code(column) -%}
    coalesce({{ column }} != lower(trim({{ column }})), false)
{%- endmacro %}
