{{ config(enabled=var('enable_sales_team')) }}

{# SCD2: one row per version of a rep's HR record, from the snapshot. #}
with

history as (

    select * from {{ ref('sales_reps_snapshot') }}

),

final as (

    select
        dbt_scd_id as sales_rep_version_id,
        sales_rep_id,
        team_id,
        region_code,
        rep_level,
        dbt_valid_from as valid_from,
        dbt_valid_to as valid_to,
        dbt_valid_to is null as is_current
    from history

)

select * from final
