{{ config(enabled=var('enable_sales_team')) }}

{#
    The rep-month spine: one row per sales rep per calendar month with a revenue order, a target,
    a training, a closed opportunity, an activity, a lead (pipeline domain on) or a ticket of the
    rep's customers (service domain on), so every credited amount lands on a row and mart totals
    reconcile with fct_orders. Team and region are the rep's HR record in effect at the end of the
    month (dim_sales_rep_history), else the current record (stg_hr__sales_reps).
#}

with

order_months as (

    select * from {{ ref('int_sales_rep_orders_aggregated_to_months') }}

),

target_months as (

    select * from {{ ref('int_sales_rep_targets_aggregated_to_months') }}

),

training_months as (

    select * from {{ ref('int_sales_rep_trainings_aggregated_to_months') }}

),

{%- if var('enable_pipeline') %}

pipeline_months as (

    select * from {{ ref('int_sales_rep_pipeline_aggregated_to_months') }}

),

{%- endif %}

{%- if var('enable_service') %}

ticket_months as (

    select * from {{ ref('int_sales_rep_tickets_aggregated_to_months') }}

),

{%- endif %}

sales_reps as (

    select * from {{ ref('stg_hr__sales_reps') }}

),

sales_rep_history as (

    select * from {{ ref('dim_sales_rep_history') }}

),

rep_months as (

    select
        sales_rep_id,
        month_start_date
    from order_months
    union
    select
        sales_rep_id,
        month_start_date
    from target_months
    union
    select
        sales_rep_id,
        month_start_date
    from training_months
    {%- if var('enable_pipeline') %}
    union
    select
        sales_rep_id,
        month_start_date
    from pipeline_months
    {%- endif %}
    {%- if var('enable_service') %}
    union
    select
        sales_rep_id,
        month_start_date
    from ticket_months
    {%- endif %}

),

final as (

    select
        rep_months.sales_rep_id,
        rep_months.month_start_date,
        coalesce(sales_rep_history.team_id, sales_reps.team_id) as team_id,
        coalesce(sales_rep_history.region_code, sales_reps.region_code) as region_code
    from rep_months
    left join sales_rep_history
        on
            rep_months.sales_rep_id = sales_rep_history.sales_rep_id
            and sales_rep_history.valid_from
            < {{ dbt.dateadd('month', 1, 'rep_months.month_start_date') }}
            and (
                sales_rep_history.valid_to is null
                or sales_rep_history.valid_to >= {{ dbt.dateadd('month', 1, 'rep_months.month_start_date') }}
            )
    left join sales_reps
        on rep_months.sales_rep_id = sales_reps.sales_rep_id

)

select * from final
