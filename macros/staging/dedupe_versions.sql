{#
    "Latest version per key", the one rule every staging model dedupes with (after GitLab's
    dedupe_source): the latest updated_at wins; between rows of one updated_at the latest load;
    then the greatest content hash (raw_content_hash), never the file order.

    version_ranking(key_columns): select-list items ranking each raw row within its key:
        version_rank (1 = the version staging keeps), kept_content_hash, latest_updated_at.
        Needs content_hash in the relation (select raw_content_hash(...) as content_hash first).
    version_flags(): the flags every base_ model carries from that ranking: content_hash,
        is_latest_version, is_duplicate_row (an exact copy of the kept version),
        is_conflicting_duplicate (same key and updated_at, other content), is_superseded_version.
    latest_version_order(content_hash_expression): the window order of the rule, for models that
        only keep the latest version (qualify row_number() over (partition by key order by ...) = 1).
#}
{% macro latest_version_order(content_hash_expression='content_hash') -%}
    order by updated_at desc, _loaded_at desc, {{ content_hash_expression }} desc
{%- endmacro %}

{% macro version_ranking(key_columns) -%}
    {%- set partition = 'partition by ' ~ key_columns | join(', ') -%}
    row_number() over ({{ partition }} {{ latest_version_order() }}) as version_rank,
        first_value(content_hash) over ({{ partition }} {{ latest_version_order() }}) as kept_content_hash,
        max(updated_at) over ({{ partition }}) as latest_updated_at
{%- endmacro %}

{% macro version_flags() -%}
    content_hash,
        version_rank = 1 as is_latest_version,
        version_rank > 1 and updated_at = latest_updated_at and content_hash = kept_content_hash
            as is_duplicate_row,
        version_rank > 1 and updated_at = latest_updated_at and content_hash != kept_content_hash
            as is_conflicting_duplicate,
        updated_at < latest_updated_at as is_superseded_version
{%- endmacro %}
