{{ config(enabled=var('enable_sales_team')) }}

with

teams as (

    select * from {{ ref('stg_hr__sales_teams') }}

),

reps as (

    select * from {{ ref('stg_hr__sales_reps') }}

),

regions as (

    select * from {{ ref('regions') }}

),

rep_counts as (

    select
        team_id,
        count(*) as rep_count,
        count(*) filter (where left_on is null) as active_rep_count
    from reps
    group by team_id

),

final as (

    select
        teams.team_id,
        teams.team_name,
        teams.region_code,
        regions.region_name,
        teams.manager_name,
        teams.created_on,
        coalesce(rep_counts.rep_count, 0) as rep_count,
        coalesce(rep_counts.active_rep_count, 0) as active_rep_count
    from teams
    left join regions
        on teams.region_code = regions.region_code
    left join rep_counts
        on teams.team_id = rep_counts.team_id

)

select * from final
