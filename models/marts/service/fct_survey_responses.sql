{{ config(enabled=var('enable_service')) }}

with

responses as (

    select * from {{ ref('stg_service__survey_responses') }}

),

final as (

    select
        response_id,
        customer_id,
        nps_score,
        csat_score,
        {{ nps_category('nps_score') }} as nps_category,
        responded_at,
        cast(responded_at as date) as responded_date
    from responses

)

select * from final
