{{ config(enabled=var('enable_service')) }}

{#
    Net Promoter Score per month of response. NPS = % promoters (9-10) - % detractors (0-6) of the
    month's responses, in points from -100 to 100; passives (7-8) count in the base only.
    Kept apart from the mart so the arithmetic is unit-tested on its own.
#}
with

survey_responses as (

    select * from {{ ref('stg_service__survey_responses') }}

),

classified as (

    select
        {{ month_start('responded_at') }} as month_start_date,
        csat_score,
        case when {{ nps_category('nps_score') }} = 'promoter' then 1 else 0 end as is_promoter,
        case when {{ nps_category('nps_score') }} = 'passive' then 1 else 0 end as is_passive,
        case when {{ nps_category('nps_score') }} = 'detractor' then 1 else 0 end as is_detractor
    from survey_responses

),

aggregated as (

    select
        month_start_date,
        count(*) as survey_responses,
        sum(is_promoter) as promoters,
        sum(is_passive) as passives,
        sum(is_detractor) as detractors,
        avg(csat_score) as average_survey_csat
    from classified
    group by month_start_date

),

final as (

    select
        month_start_date,
        cast(survey_responses as bigint) as survey_responses,
        cast(promoters as bigint) as promoters,
        cast(passives as bigint) as passives,
        cast(detractors as bigint) as detractors,
        100.0 * (promoters - detractors) / survey_responses as net_promoter_score,
        average_survey_csat
    from aggregated

)

select * from final
