{#
    Commission tiers are marginal bands of target attainment, so they must tile [0, infinity):
    the first starts at 0, each starts where the previous one ends, only the last is open-ended,
    tier numbers run 1..n without gaps, and every band has a positive width.
#}

with commission_tiers as (

    select * from {{ ref('commission_tiers') }}

),

ordered_tiers as (

    select
        tier_number,
        attainment_from,
        attainment_to,
        row_number() over (order by attainment_from) as expected_tier_number,
        lag(attainment_to) over (order by attainment_from) as previous_attainment_to,
        count(*) over () as tier_count
    from commission_tiers

),

final as (

    select
        *,
        case
            when tier_number != expected_tier_number
                then 'tier numbers are not 1..n in attainment order'
            when expected_tier_number = 1 and attainment_from != 0
                then 'first tier does not start at 0'
            when expected_tier_number > 1 and attainment_from != previous_attainment_to
                then 'gap or overlap with the previous tier'
            when expected_tier_number < tier_count and attainment_to is null
                then 'a tier before the last one is open-ended'
            when expected_tier_number = tier_count and attainment_to is not null
                then 'last tier is not open-ended'
            when attainment_to <= attainment_from
                then 'band has no positive width'
        end as failure_reason
    from ordered_tiers

)

select * from final
where failure_reason is not null
