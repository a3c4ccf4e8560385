{{ config(enabled=var('enable_pipeline')) }}

{#-
    Within a cohort (cohort_month x lead_source x region_code x sales_rep_id) no stage may have
    more entrants than the stage before it, and no more deals may be won than entered the last
    open stage. Returns the offending cohort stages.
#}

with

funnel_conversion as (

    select * from {{ ref('funnel_conversion') }}

),

with_previous as (

    select
        cohort_month,
        lead_source,
        region_code,
        sales_rep_id,
        stage_name,
        stage_order,
        entrants,
        won,
        lag(entrants) over (
            partition by cohort_month, lead_source, region_code, sales_rep_id
            order by stage_order
        ) as previous_stage_entrants,
        max(stage_order) over (
            partition by cohort_month, lead_source, region_code, sales_rep_id
        ) as last_stage_order
    from funnel_conversion

)

select *
from with_previous
where
    entrants > previous_stage_entrants
    or (stage_order = last_stage_order and won > entrants)
