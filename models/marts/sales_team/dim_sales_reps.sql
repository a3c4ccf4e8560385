{{ config(enabled=var('enable_sales_team')) }}

with

reps as (

    select * from {{ ref('stg_hr__sales_reps') }}

),

teams as (

    select * from {{ ref('stg_hr__sales_teams') }}

),

history as (

    select * from {{ ref('sales_reps_snapshot') }}

),

as_of as (

    {# The data's "today", as for customers: tenure must not change when the build runs a day later. #}
    select coalesce({{ as_of_date() }}, max(placed_date)) as as_of_date
    from {{ ref('fct_orders') }}

),

history_summary as (

    select
        sales_rep_id,
        min(dbt_valid_from) as first_recorded_at,
        count(*) as version_count,
        count(distinct team_id) - 1 as team_change_count
    from history
    group by sales_rep_id

),

final as (

    select
        reps.sales_rep_id,
        reps.rep_name,
        reps.email,
        reps.team_id,
        teams.team_name,
        reps.region_code,
        teams.manager_name,
        reps.rep_level,
        reps.hired_on,
        reps.left_on,
        reps.left_on is null as is_active,
        round({{ dbt.datediff('reps.hired_on', 'coalesce(reps.left_on, as_of.as_of_date)', 'day') }} / 365.25, 1)
            as tenure_years,
        history_summary.first_recorded_at,
        coalesce(history_summary.version_count, 1) as version_count,
        coalesce(history_summary.team_change_count, 0) as team_change_count
    from reps
    cross join as_of
    left join teams
        on reps.team_id = teams.team_id
    left join history_summary
        on reps.sales_rep_id = history_summary.sales_rep_id

)

select * from final
