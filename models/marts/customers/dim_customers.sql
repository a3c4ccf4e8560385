{#
    One row per customer, buyers and non-buyers alike. Order measures and RFM come from
    int_customers_rfm_scored. The service columns always exist: with var('enable_service') off
    they are null, so the contract and every query on them keep working.
#}
with

customers as (

    select * from {{ ref('stg_shop__customers') }}

),

customers_rfm as (

    select * from {{ ref('int_customers_rfm_scored') }}

),

orders as (

    select * from {{ ref('fct_orders') }}

),

survey_responses as (

    {%- if var('enable_service') %}
    select * from {{ ref('stg_service__survey_responses') }}
    {%- else %}
    {# Service domain off: an empty stand-in, so the columns below exist and are null. #}
    select
        cast(null as bigint) as response_id,
        cast(null as bigint) as customer_id,
        cast(null as integer) as nps_score,
        cast(null as integer) as csat_score,
        cast(null as timestamp) as responded_at
    where false
    {%- endif %}

),

support_tickets as (

    {%- if var('enable_service') %}
    select * from {{ ref('int_support_tickets_validated') }}
    where not is_excluded
    {%- else %}
    select
        cast(null as bigint) as customer_id,
        cast(null as varchar) as ticket_status
    where false
    {%- endif %}

),

as_of as (

    {# Same rule as int_customers_rfm_scored, repeated so that customers without orders get an age. #}
    select
        coalesce(
            {{ as_of_date() }},
            max(placed_date)
        ) as as_of_date
    from orders

),

latest_survey_responses as (

    select
        survey_responses.customer_id,
        survey_responses.nps_score,
        survey_responses.csat_score,
        row_number() over (
            partition by survey_responses.customer_id
            order by survey_responses.responded_at desc, survey_responses.response_id desc
        ) as response_rank
    from survey_responses
    cross join as_of
    where cast(survey_responses.responded_at as date) <= as_of.as_of_date

),

open_tickets as (

    select
        customer_id,
        count(*) as open_ticket_count
    from support_tickets
    where ticket_status = 'open'
    group by customer_id

),

ages as (

    {# Age in completed years on the as-of date. #}
    select
        customers.customer_id,
        {{ dbt.datediff('customers.birth_date', 'as_of.as_of_date', 'year') }}
        - case
            when
                extract(month from as_of.as_of_date) * 100 + extract(day from as_of.as_of_date)
                < extract(month from customers.birth_date) * 100 + extract(day from customers.birth_date)
                then 1
            else 0
        end as age_years
    from customers
    cross join as_of
    where
        customers.customer_type = 'individual'
        and customers.birth_date is not null

),

final as (

    select
        -- ids
        customers.customer_id,
        customers.owner_sales_rep_id,

        -- strings
        customers.customer_name,
        customers.email,
        customers.phone,
        customers.gender,
        case
            when ages.age_years is null then null
            when ages.age_years < 18 then 'under 18'
            when ages.age_years < 25 then '18-24'
            when ages.age_years < 35 then '25-34'
            when ages.age_years < 45 then '35-44'
            when ages.age_years < 55 then '45-54'
            else '55+'
        end as age_band,
        customers.region_code,
        customers.city,
        customers.customer_type,
        customers.industry,
        customers.acquisition_channel,
        customers.interests,
        customers_rfm.rfm_score,
        customers_rfm.rfm_segment,

        -- numerics
        coalesce(customers_rfm.lifetime_orders, 0) as lifetime_orders,
        cast(coalesce(customers_rfm.lifetime_revenue, 0) as decimal(18, 2)) as lifetime_revenue,
        cast(
            case when customers_rfm.customer_id is null then 0 else customers_rfm.lifetime_margin end
            as decimal(18, 2)
        ) as lifetime_margin,
        customers_rfm.average_order_value,
        customers_rfm.tenure_days,
        customers_rfm.days_since_last_order,
        customers_rfm.recency_score,
        customers_rfm.frequency_score,
        customers_rfm.monetary_score,
        cast(latest_survey_responses.nps_score as integer) as latest_nps_score,
        cast(latest_survey_responses.csat_score as integer) as latest_csat_score,
        {# Zero open tickets is a fact only when the service domain is on; otherwise unknown. #}
        cast(
            {{ 'coalesce(open_tickets.open_ticket_count, 0)' if var('enable_service') else 'null' }}
            as integer
        ) as open_ticket_count,

        -- booleans
        coalesce(customers_rfm.is_repeat_buyer, false) as is_repeat_buyer,
        coalesce(customers_rfm.is_churned, false) as is_churned,

        -- dates
        customers.birth_date,
        customers_rfm.first_order_date,
        customers_rfm.last_order_date,
        as_of.as_of_date,

        -- timestamps
        customers.created_at

    from customers
    cross join as_of
    left join customers_rfm
        on customers.customer_id = customers_rfm.customer_id
    left join ages
        on customers.customer_id = ages.customer_id
    left join latest_survey_responses
        on
            customers.customer_id = latest_survey_responses.customer_id
            and latest_survey_responses.response_rank = 1
    left join open_tickets
        on customers.customer_id = open_tickets.customer_id

)

select * from final
