{#
    Sum of an expression that is null (unknown) when any of the summed values is unknown, instead
    of silently summing the known part: a margin over lines some of which have no cost is not
    known. Use in an aggregate select; pair with the group's count when zero rows mean 0.
    Example: sum_if_known('margin_amount') as margin_amount
#}
{% macro sum_if_known(expression) -%}
    case when count({{ expression }}) = count(*) then sum({{ expression }}) end
{%- endmacro %}
