{#
    Fails for every row whose value lies outside [min_value, max_value] (or the open interval when
    inclusive=false). Nulls pass: pair with not_null when nulls are not allowed.
#}
{% test accepted_range(model, column_name, min_value=none, max_value=none, inclusive=true, where=none) %}

{%- if min_value is none and max_value is none -%}
    {{ exceptions.raise_compiler_error(
        "accepted_range on " ~ model ~ "." ~ column_name ~ ": give min_value, max_value or both."
    ) }}
{%- endif -%}

{%- set lower_operator = ">=" if inclusive else ">" -%}
{%- set upper_operator = "<=" if inclusive else "<" -%}

with tested_rows as (

    select
        *,
        {{ column_name }} as tested_value
    from {{ model }}
    {%- if where is not none %}
    where {{ where }}
    {%- endif %}

)

select *
from tested_rows
where
    1 = 2
    {%- if min_value is not none %}
    or not (tested_value {{ lower_operator }} {{ min_value }})
    {%- endif %}
    {%- if max_value is not none %}
    or not (tested_value {{ upper_operator }} {{ max_value }})
    {%- endif %}

{% endtest %}
