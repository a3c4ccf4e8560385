{#
    Snapshot pre-hook: refuse to record a source that is empty or shrank too much since the last
    run. With hard_deletes: new_record, an empty or truncated export would close every missing
    record as deleted, and the history would hold those false deletions for ever. Nothing is
    recorded; the build stops with the numbers and what to do.
    Shrink allowed: var('snapshot_max_shrink_share') (default 0.5 = the source may lose up to half
    of the records the snapshot holds as current).
#}
{% macro assert_snapshot_source_is_complete(source_relation) %}
    {%- if execute -%}
        {%- set source_rows = run_query("select count(*) from " ~ source_relation).columns[0].values()[0] -%}
        {%- set existing = adapter.get_relation(database=this.database, schema=this.schema, identifier=this.identifier) -%}
        {%- set current_rows = 0 -%}
        {%- if existing is not none -%}
            {%- set current_rows = run_query(
                "select count(*) from " ~ existing ~ " where dbt_valid_to is null"
                ~ " and not coalesce(cast(dbt_is_deleted as boolean), false)"
            ).columns[0].values()[0] -%}
        {%- endif -%}
        {%- set max_shrink = var('snapshot_max_shrink_share') | float -%}
        {%- if source_rows == 0 -%}
            {{ exceptions.raise_compiler_error(
                "Snapshot " ~ this.identifier ~ " refused: its source " ~ source_relation ~ " is empty"
                ~ " (an empty export would record every record as deleted). Nothing was recorded; fix the"
                ~ " export and rebuild."
            ) }}
        {%- elif current_rows > 0 and source_rows < current_rows * (1 - max_shrink) -%}
            {{ exceptions.raise_compiler_error(
                "Snapshot " ~ this.identifier ~ " refused: its source " ~ source_relation ~ " has "
                ~ source_rows ~ " records, down from " ~ current_rows ~ " current ones (more than "
                ~ (max_shrink * 100) | round | int ~ "% fewer). Nothing was recorded; check the export,"
                ~ " or raise var('snapshot_max_shrink_share') if the shrink is real."
            ) }}
        {%- endif -%}
    {%- endif -%}
{% endmacro %}
