with

failed_rows as (

    select * from {{ ref('dq_failed_rows') }}

),

final as (

    select
        {{ surrogate_key(['source_table', 'rule_name', 'loaded_date']) }} as dq_failures_daily_id,
        source_table,
        rule_name,
        severity,
        action_taken,
        loaded_date,
        count(*) as failed_row_count
    from failed_rows
    group by source_table, rule_name, severity, action_taken, loaded_date

)

select * from final
