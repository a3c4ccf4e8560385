{{ config(enabled=var('enable_sales_team')) }}

{#
    One row per sales rep per calendar month in which the rep completed a training
    (stg_hr__trainings): the hours of training completed in the month.
#}

with

trainings as (

    select * from {{ ref('stg_hr__trainings') }}

),

aggregated as (

    select
        sales_rep_id,
        {{ month_start('completed_on') }} as month_start_date,
        sum(training_hours) as training_hours
    from trainings
    group by 1, 2

),

final as (

    select
        sales_rep_id,
        month_start_date,
        cast(training_hours as double) as training_hours
    from aggregated

)

select * from final
