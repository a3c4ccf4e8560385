{{ config(enabled=var('enable_pipeline')) }}

with

lead_followup as (

    select * from {{ ref('lead_followup') }}

),

lead_cohorts as (

    select
        created_month as cohort_month,
        lead_source,
        region_code,
        sales_rep_id,
        count(*) as leads,
        sum(case when is_never_contacted then 0 else 1 end) as contacted,
        sum(case when is_converted then 1 else 0 end) as converted_to_opportunity,
        sum(case when is_won then 1 else 0 end) as won
    from lead_followup
    group by
        created_month,
        lead_source,
        region_code,
        sales_rep_id

),

final as (

    select
        {{ surrogate_key(['cohort_month', 'lead_source', 'region_code', 'sales_rep_id']) }}
            as lead_conversion_id,
        cohort_month,
        lead_source,
        region_code,
        sales_rep_id,
        cast(leads as bigint) as leads,
        cast(contacted as bigint) as contacted,
        cast(converted_to_opportunity as bigint) as converted_to_opportunity,
        cast(won as bigint) as won,
        cast(contacted as double) / leads as contact_rate,
        cast(converted_to_opportunity as double) / leads as lead_to_opportunity_rate,
        cast(won as double) / leads as lead_to_won_rate,
        cast(won as double)
        / nullif(converted_to_opportunity, 0) as opportunity_to_won_rate
    from lead_cohorts

)

select * from final
