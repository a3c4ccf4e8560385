{# -1 and 11 are outside [0, 10] #}
select -1 as amount
union all
select 0 as amount
union all
select 5 as amount
union all
select 10 as amount
union all
select 11 as amount
