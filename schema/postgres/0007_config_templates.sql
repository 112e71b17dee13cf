-- sing-box config rendering (issue 3, "Config rendering"): the operator-editable base template, and the
-- notifications that keep every Api instance's cache of rendered configs exact.
--
-- One current template (a single row, id = 1). The body is `json`, not `jsonb`, so the operator's key order is kept
-- and rendered configs read the way the template was written. `version` increases on every save; the admin
-- endpoint checks it for lost updates. The first body is the default shipped in code
-- (src/Api/SingBox/DefaultConfigTemplate.cs); a test keeps the two equal.
create table config_templates (
    id         smallint primary key default 1 check (id = 1),
    body       json not null,
    version    bigint not null default 1,
    updated_at timestamptz not null default now(),
    updated_by uuid references users (id) on delete set null
);

insert into config_templates (id, body) values (1, '{
  "log": {"level": "warn", "timestamp": true},
  "dns": {
    "servers": [
      {"type": "https", "tag": "remote", "server": "1.1.1.1", "detour": "proxy"},
      {"type": "local", "tag": "local"}
    ],
    "final": "remote",
    "strategy": "prefer_ipv4"
  },
  "inbounds": [
    {"type": "tun", "tag": "tun-in", "address": ["172.19.0.1/30", "fdfe:dcba:9876::1/126"], "auto_route": true, "strict_route": true, "stack": "mixed"},
    {"type": "mixed", "tag": "mixed-in", "listen": "127.0.0.1", "listen_port": 2080}
  ],
  "outbounds": [
    {"type": "direct", "tag": "direct"}
  ],
  "route": {
    "rules": [
      {"inbound": ["tun-in", "mixed-in"], "action": "sniff"},
      {"protocol": "dns", "action": "hijack-dns"},
      {"ip_is_private": true, "outbound": "direct"}
    ],
    "final": "proxy",
    "auto_detect_interface": true,
    "default_domain_resolver": "local"
  },
  "experimental": {"cache_file": {"enabled": true}}
}');

-- Cache invalidation. Every change that can alter a rendered config or its headers sends the ids of the affected
-- subscriptions on channel config_changed, comma-separated in payloads of at most 200 ids (a payload must stay
-- under 8000 bytes), or '*' when more than 1000 are affected (a bulk change: dropping the whole cache is cheaper
-- than 1000s of messages). Notifications are delivered at commit, so a rolled-back change evicts nothing.
-- Statement-level triggers with transition tables keep bulk statements set-based (as in 0003_state_outbox.sql).
create function config_changed_notify(ids uuid[]) returns void language plpgsql as $$
begin
    if cardinality(ids) = 0 then
        return;
    end if;
    if cardinality(ids) > 1000 then
        perform pg_notify('config_changed', '*');
        return;
    end if;
    perform pg_notify('config_changed', string_agg(id::text, ','))
    from (select id, (row_number() over ()) / 200 as chunk from (select distinct unnest(ids) as id) d) c
    group by chunk;
end $$;

-- Inserts matter too: an unknown id is cached as "not found", and a new subscription may take exactly that id.
create function config_changed_subscriptions_ins() returns trigger language plpgsql as $$
begin
    perform config_changed_notify(array(select id from new_rows));
    return null;
end $$;

create function config_changed_subscriptions_upd() returns trigger language plpgsql as $$
begin
    perform config_changed_notify(array(
        select n.id from new_rows n join old_rows o on o.id = n.id
        where (n.owner_id, n.title, n.secret, n.expires_at, n.max_traffic, n.traffic_reset_period, n.reset_anchor, n.is_suspended, n.is_over_limit)
              is distinct from
              (o.owner_id, o.title, o.secret, o.expires_at, o.max_traffic, o.traffic_reset_period, o.reset_anchor, o.is_suspended, o.is_over_limit)));
    return null;
end $$;

create function config_changed_subscriptions_del() returns trigger language plpgsql as $$
begin
    perform config_changed_notify(array(select id from old_rows));
    return null;
end $$;

create trigger subscriptions_config_ins after insert on subscriptions
    referencing new table as new_rows for each statement execute function config_changed_subscriptions_ins();
create trigger subscriptions_config_upd after update on subscriptions
    referencing new table as new_rows old table as old_rows for each statement execute function config_changed_subscriptions_upd();
create trigger subscriptions_config_del after delete on subscriptions
    referencing old table as old_rows for each statement execute function config_changed_subscriptions_del();

-- Links. Deleting an inbound or a node cascades here, so those deletions need no trigger of their own.
create function config_changed_links_ins() returns trigger language plpgsql as $$
begin
    perform config_changed_notify(array(select subscription_id from new_rows));
    return null;
end $$;

create function config_changed_links_upd() returns trigger language plpgsql as $$
begin
    perform config_changed_notify(array(select subscription_id from new_rows union select subscription_id from old_rows));
    return null;
end $$;

create function config_changed_links_del() returns trigger language plpgsql as $$
begin
    perform config_changed_notify(array(select subscription_id from old_rows));
    return null;
end $$;

create trigger subscription_inbounds_config_ins after insert on subscription_inbounds
    referencing new table as new_rows for each statement execute function config_changed_links_ins();
create trigger subscription_inbounds_config_upd after update on subscription_inbounds
    referencing new table as new_rows old table as old_rows for each statement execute function config_changed_links_upd();
create trigger subscription_inbounds_config_del after delete on subscription_inbounds
    referencing old table as old_rows for each statement execute function config_changed_links_del();

-- An inbound's rendered fields (geo, purpose and created_at are not rendered).
create function config_changed_inbounds_upd() returns trigger language plpgsql as $$
begin
    perform config_changed_notify(array(
        select si.subscription_id
        from new_rows n join old_rows o on o.id = n.id
        join subscription_inbounds si on si.inbound_id = n.id
        where (n.node_id, n.tag, n.host, n.port, n.protocol, n.network, n.tls, n.is_active, n.settings)
              is distinct from
              (o.node_id, o.tag, o.host, o.port, o.protocol, o.network, o.tls, o.is_active, o.settings)));
    return null;
end $$;

create trigger inbounds_config_upd after update on inbounds
    referencing new table as new_rows old table as old_rows for each statement execute function config_changed_inbounds_upd();

-- The node's name is the first half of every outbound tag of its inbounds.
create function config_changed_nodes_upd() returns trigger language plpgsql as $$
begin
    perform config_changed_notify(array(
        select si.subscription_id
        from new_rows n join old_rows o on o.id = n.id
        join inbounds i on i.node_id = n.id
        join subscription_inbounds si on si.inbound_id = i.id
        where n.name is distinct from o.name));
    return null;
end $$;

create trigger nodes_config_upd after update on nodes
    referencing new table as new_rows old table as old_rows for each statement execute function config_changed_nodes_upd();

-- A disabled owner's subscriptions answer like suspended ones.
create function config_changed_users_upd() returns trigger language plpgsql as $$
begin
    perform config_changed_notify(array(
        select s.id from new_rows n join old_rows o on o.id = n.id
        join subscriptions s on s.owner_id = n.id
        where n.disabled is distinct from o.disabled));
    return null;
end $$;

create trigger users_config_upd after update on users
    referencing new table as new_rows old table as old_rows for each statement execute function config_changed_users_upd();

-- Group limits reach the subscription-userinfo header (total) and the usage period through subscription_limits.
create function config_changed_groups_upd() returns trigger language plpgsql as $$
begin
    perform config_changed_notify(array(
        select s.id from new_rows n join old_rows o on o.id = n.id
        join user_groups ug on ug.group_id = n.id
        join subscriptions s on s.owner_id = ug.user_id
        where (n.max_traffic, n.traffic_reset_period) is distinct from (o.max_traffic, o.traffic_reset_period)));
    return null;
end $$;

create trigger groups_config_upd after update on groups
    referencing new table as new_rows old table as old_rows for each statement execute function config_changed_groups_upd();

create function config_changed_membership_ins() returns trigger language plpgsql as $$
begin
    perform config_changed_notify(array(select s.id from new_rows m join subscriptions s on s.owner_id = m.user_id));
    return null;
end $$;

create function config_changed_membership_del() returns trigger language plpgsql as $$
begin
    perform config_changed_notify(array(select s.id from old_rows m join subscriptions s on s.owner_id = m.user_id));
    return null;
end $$;

create trigger user_groups_config_ins after insert on user_groups
    referencing new table as new_rows for each statement execute function config_changed_membership_ins();
create trigger user_groups_config_del after delete on user_groups
    referencing old table as old_rows for each statement execute function config_changed_membership_del();

-- The template is part of every config.
create function config_changed_template() returns trigger language plpgsql as $$
begin
    perform pg_notify('config_changed', '*');
    return null;
end $$;

create trigger config_templates_changed after insert or update or delete on config_templates
    for each statement execute function config_changed_template();
