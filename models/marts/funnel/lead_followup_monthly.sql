{{ config(enabled=var('enable_pipeline')) }}

with

lead_followup as (

    select * from {{ ref('lead_followup') }}

),

monthly as (

    select
        created_month as month_start_date,
        lead_source,
        count(*) as leads,
        sum(case when is_never_contacted then 0 else 1 end) as contacted_leads,
        sum(case when is_never_contacted then 1 else 0 end) as never_contacted_leads,
        sum(case when is_converted then 1 else 0 end) as converted_leads,
        percentile_cont(0.5) within group (order by hours_to_first_contact) as median_hours_to_first_contact,
        percentile_cont(0.9) within group (order by hours_to_first_contact) as p90_hours_to_first_contact,
        avg(case when is_converted then touches_before_conversion end) as avg_touches_before_conversion
    from lead_followup
    group by
        created_month,
        lead_source

),

final as (

    select
        {{ surrogate_key(['month_start_date', 'lead_source']) }} as lead_followup_month_id,
        month_start_date,
        lead_source,
        cast(leads as bigint) as leads,
        cast(contacted_leads as bigint) as contacted_leads,
        cast(never_contacted_leads as bigint) as never_contacted_leads,
        cast(converted_leads as bigint) as converted_leads,
        cast(median_hours_to_first_contact as double) as median_hours_to_first_contact,
        cast(p90_hours_to_first_contact as double) as p90_hours_to_first_contact,
        cast(avg_touches_before_conversion as double) as avg_touches_before_conversion,
        cast(never_contacted_leads as double) / leads as never_contacted_share,
        cast(converted_leads as double) / leads as conversion_rate,
        cast(converted_leads as double)
        / nullif(contacted_leads, 0) as contacted_conversion_rate
    from monthly

)

select * from final
