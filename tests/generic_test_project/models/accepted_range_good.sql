select 0 as amount
union all
select 5 as amount
union all
select 10 as amount
union all
select null as amount
