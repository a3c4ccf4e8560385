{{ config(enabled=var('enable_sales_team')) }}

with

source as (

    {{ select_raw_source('hr', 'trainings') }}

),

renamed as (

    select
        -- ids
        training_id,
        sales_rep_id,

        -- strings
        course_name,

        -- numerics
        hours as training_hours,
        assessment_score,

        -- dates
        completed_on,

        -- timestamps
        _loaded_at as loaded_at

    from source

)

select * from renamed
