-- Effective limits of each subscription (DESIGN.md, Domain): a subscription's own value wins; when it has none,
-- the owner's groups decide, each field being the maximum across them with null (unlimited) winning; an owner in no
-- group is unrestricted. Reset periods compare as intervals (Postgres reads ISO 8601 durations; 1 month = 30 days,
-- so P1M and P30D tie and either may be chosen). Read it for a page or a single row: the lateral join is per row.
create view subscription_limits as
select s.id as subscription_id,
       case when s.max_traffic is not null then s.max_traffic
            when coalesce(g.n, 0) = 0 or g.traffic_unlimited then null
            else g.max_traffic end as max_traffic,
       case when s.max_speed is not null then s.max_speed
            when coalesce(g.n, 0) = 0 or g.speed_unlimited then null
            else g.max_speed end as max_speed,
       case when s.traffic_reset_period is not null then s.traffic_reset_period
            when coalesce(g.n, 0) = 0 or g.period_unlimited then null
            else g.reset_period end as traffic_reset_period
from subscriptions s
left join lateral (
    select count(*) as n,
           bool_or(gr.max_traffic is null) as traffic_unlimited,
           max(gr.max_traffic) as max_traffic,
           bool_or(gr.max_speed is null) as speed_unlimited,
           max(gr.max_speed) as max_speed,
           bool_or(gr.traffic_reset_period is null) as period_unlimited,
           (array_agg(gr.traffic_reset_period order by gr.traffic_reset_period::interval desc))[1] as reset_period
    from user_groups ug
    join groups gr on gr.id = ug.group_id
    where ug.user_id = s.owner_id
) g on true;
