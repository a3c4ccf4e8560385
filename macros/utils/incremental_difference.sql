{#
    The incremental step every incremental model uses to stay equal to a full refresh: given a
    CTE `final` holding the rows a full refresh would write, compare them with the stored table
    ({{ this }}) and return only the difference, for a merge on key_columns: new and changed rows,
    plus a delete marker (the key, every other column null) for each stored row that no longer
    exists upstream (hard deletes, newly excluded rows, moved cells). The model's merge deletes
    markers and never inserts them (see fct_order_lines, sales_daily). Emits CTEs and the
    final select; call it right after the `final` CTE, inside is_incremental().
#}
{% macro incremental_difference(key_columns) %}
stored as (

    {# The stored rows with their columns in final's order, matched by name. #}
    select * from final
    where false
    union all by name
    select * from {{ this }}

),

changed as (

    select * from final
    except
    select * from stored

),

removed as (

    {# A delete marker: the key of the stored row, every other column null. #}
    select
        {%- for key in key_columns %}
        stored.{{ key }}{{ "," if not loop.last }}
        {%- endfor %}
    from stored
    anti join final
        on
        {%- for key in key_columns %}
            {{ "and " if not loop.first }}stored.{{ key }} = final.{{ key }}
        {%- endfor %}

),

increment as (

    select * from changed
    union all by name
    select * from removed

)

select * from increment
{% endmacro %}
