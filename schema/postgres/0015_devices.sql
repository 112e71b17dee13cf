-- Devices and HWID limits (issue 13 part 1, docs/api-accounts.md "## Devices", docs/config-rendering.md).
-- A device limit on subscriptions, groups and plans, like the other limits: a subscription's own value wins (null
-- inherits from the owner's groups, 0 is unlimited); across groups the maximum, a group with null or 0 making it
-- unlimited; an owner in no group is unrestricted. A plan's limit is copied onto the subscription its purchase
-- creates or extends, as its traffic and speed limits are (null then inherits, 0 is unlimited).
alter table subscriptions add column device_limit integer check (device_limit >= 0);
alter table groups add column device_limit integer check (device_limit >= 0);
alter table plans drop constraint plans_device_limit_check;
alter table plans add constraint plans_device_limit_check check (device_limit >= 0);

-- Subscriptions bought before this migration carry their plan's limit in subscription_billing only.
update subscriptions s set device_limit = b.device_limit
  from subscription_billing b
 where b.subscription_id = s.id and b.device_limit is not null and s.device_limit is null;

-- The effective limit, null = unlimited (an own 0 included); appended, so readers of the other columns are unchanged.
create or replace view subscription_limits as
select s.id as subscription_id,
       case when s.max_traffic is not null then s.max_traffic
            when coalesce(g.n, 0) = 0 or g.traffic_unlimited then null
            else g.max_traffic end as max_traffic,
       case when s.max_speed is not null then s.max_speed
            when coalesce(g.n, 0) = 0 or g.speed_unlimited then null
            else g.max_speed end as max_speed,
       case when s.traffic_reset_period is not null then s.traffic_reset_period
            when coalesce(g.n, 0) = 0 or g.period_unlimited then null
            else g.reset_period end as traffic_reset_period,
       case when s.device_limit is not null then nullif(s.device_limit, 0)
            when coalesce(g.n, 0) = 0 or g.devices_unlimited then null
            else g.device_limit end as device_limit
from subscriptions s
left join lateral (
    select count(*) as n,
           bool_or(gr.max_traffic is null) as traffic_unlimited,
           max(gr.max_traffic) as max_traffic,
           bool_or(gr.max_speed is null) as speed_unlimited,
           max(gr.max_speed) as max_speed,
           bool_or(gr.traffic_reset_period is null) as period_unlimited,
           (array_agg(gr.traffic_reset_period order by gr.traffic_reset_period::interval desc))[1] as reset_period,
           bool_or(coalesce(gr.device_limit, 0) = 0) as devices_unlimited,
           max(gr.device_limit) as device_limit
    from user_groups ug
    join groups gr on gr.id = ug.group_id
    where ug.user_id = s.owner_id
) g on true;

-- One row per device (HWID) a subscription's config was fetched from. The insert of a new HWID is the only write
-- of the config path; it is serialised per subscription (an advisory lock keyed by the id, see DevicesStore) so
-- that concurrent new HWIDs never take more slots than the limit has. last_seen is written in batches, at most once
-- per device per Devices:LastSeenInterval. The informational columns are bounded and validated by the Api
-- (DeviceHeaders) before they get here; the checks are the last line.
create table devices (
    id              uuid primary key,
    subscription_id uuid not null references subscriptions (id) on delete cascade,
    hwid            text not null check (length(hwid) between 1 and 128),
    model           text check (length(model) <= 64),
    os              text check (length(os) <= 32),
    os_version      text check (length(os_version) <= 32),
    user_agent      text check (length(user_agent) <= 256),
    first_seen      timestamptz not null,
    last_seen       timestamptz not null,
    unique (subscription_id, hwid)
);

-- Devices are part of what a config fetch decides (known HWID, free slot, or the device-limit stub), and the Api
-- keeps each subscription's HWIDs beside its rendered config: a device added or removed evicts that entry on every
-- instance through config_changed. last_seen updates do not (no trigger on update). The functions are those of the
-- subscription_inbounds triggers (0007): they notify the subscription_id of every row.
create trigger devices_config_ins after insert on devices
    referencing new table as new_rows for each statement execute function config_changed_links_ins();
create trigger devices_config_del after delete on devices
    referencing old table as old_rows for each statement execute function config_changed_links_del();

-- The device limit joins what a subscription or group change must evict.
create or replace function config_changed_subscriptions_upd() returns trigger language plpgsql as $$
begin
    perform config_changed_notify(array(
        select n.id from new_rows n join old_rows o on o.id = n.id
        where (n.owner_id, n.title, n.secret, n.expires_at, n.max_traffic, n.traffic_reset_period, n.reset_anchor, n.is_suspended, n.is_over_limit,
               n.device_limit)
              is distinct from
              (o.owner_id, o.title, o.secret, o.expires_at, o.max_traffic, o.traffic_reset_period, o.reset_anchor, o.is_suspended, o.is_over_limit,
               o.device_limit)));
    return null;
end $$;

create or replace function config_changed_groups_upd() returns trigger language plpgsql as $$
begin
    perform config_changed_notify(array(
        select s.id from new_rows n join old_rows o on o.id = n.id
        join user_groups ug on ug.group_id = n.id
        join subscriptions s on s.owner_id = ug.user_id
        where (n.max_traffic, n.traffic_reset_period, n.device_limit) is distinct from (o.max_traffic, o.traffic_reset_period, o.device_limit)));
    return null;
end $$;
