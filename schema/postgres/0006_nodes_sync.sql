-- Node sync versions, node-token publication state and audit-log filter indexes (issue 3).

-- Per-node sync version: bumped, inside the changing transaction, by every change that can alter what node sync
-- answers for that node (inbounds, links, a linked subscription's credential/suspension/expiry/over-limit/speed, the
-- owner's groups' speed and the owner's disabled flag). Versions come from one sequence, so a value is never reused
-- for a node: node sync compares for equality only, and its 304 path is this one-row lookup. A node without a row
-- has never changed since it was created (version 0). Expiry needs no write: node sync bounds its cache by the next
-- expiry instant instead.
create sequence node_sync_version_seq;

create table node_sync (
    node_id uuid primary key references nodes (id) on delete cascade,
    version bigint not null
);

-- Only nodes that still exist: a cascade from a node's deletion reaches here after the node row is gone. Rows are
-- locked in id order, so two bulk changes bumping the same nodes cannot deadlock.
create function node_sync_bump(ids uuid[]) returns void language sql as $$
    insert into node_sync (node_id, version)
    select n.id, nextval('node_sync_version_seq') from nodes n where n.id = any(ids) order by n.id
    on conflict (node_id) do update set version = excluded.version;
$$;

create function node_sync_inbounds_ins() returns trigger language plpgsql as $$
begin
    perform node_sync_bump(array(select node_id from new_rows));
    return null;
end $$;

create function node_sync_inbounds_upd() returns trigger language plpgsql as $$
begin
    perform node_sync_bump(array(select node_id from new_rows union select node_id from old_rows));
    return null;
end $$;

create function node_sync_inbounds_del() returns trigger language plpgsql as $$
begin
    perform node_sync_bump(array(select node_id from old_rows));
    return null;
end $$;

create trigger inbounds_node_sync_ins after insert on inbounds
    referencing new table as new_rows for each statement execute function node_sync_inbounds_ins();
create trigger inbounds_node_sync_upd after update on inbounds
    referencing new table as new_rows old table as old_rows for each statement execute function node_sync_inbounds_upd();
create trigger inbounds_node_sync_del after delete on inbounds
    referencing old table as old_rows for each statement execute function node_sync_inbounds_del();

-- A subscription's deletion cascades to its links, whose trigger bumps the nodes; a new subscription has no links yet.
create function node_sync_links_ins() returns trigger language plpgsql as $$
begin
    perform node_sync_bump(array(select i.node_id from new_rows r join inbounds i on i.id = r.inbound_id));
    return null;
end $$;

create function node_sync_links_del() returns trigger language plpgsql as $$
begin
    perform node_sync_bump(array(select i.node_id from old_rows r join inbounds i on i.id = r.inbound_id));
    return null;
end $$;

create trigger subscription_inbounds_node_sync_ins after insert on subscription_inbounds
    referencing new table as new_rows for each statement execute function node_sync_links_ins();
create trigger subscription_inbounds_node_sync_del after delete on subscription_inbounds
    referencing old table as old_rows for each statement execute function node_sync_links_del();

create function node_sync_subscriptions_upd() returns trigger language plpgsql as $$
begin
    perform node_sync_bump(array(
        select i.node_id from new_rows n join old_rows o on o.id = n.id
        join subscription_inbounds si on si.subscription_id = n.id
        join inbounds i on i.id = si.inbound_id
        where (n.owner_id, n.secret, n.expires_at, n.max_speed, n.is_suspended, n.is_over_limit)
              is distinct from
              (o.owner_id, o.secret, o.expires_at, o.max_speed, o.is_suspended, o.is_over_limit)));
    return null;
end $$;

create trigger subscriptions_node_sync_upd after update on subscriptions
    referencing new table as new_rows old table as old_rows for each statement execute function node_sync_subscriptions_upd();

-- Group speed limits reach node sync through subscription_limits; a group's deletion cascades to user_groups.
create function node_sync_groups_upd() returns trigger language plpgsql as $$
begin
    perform node_sync_bump(array(
        select i.node_id from new_rows n join old_rows o on o.id = n.id
        join user_groups ug on ug.group_id = n.id
        join subscriptions s on s.owner_id = ug.user_id
        join subscription_inbounds si on si.subscription_id = s.id
        join inbounds i on i.id = si.inbound_id
        where n.max_speed is distinct from o.max_speed));
    return null;
end $$;

create trigger groups_node_sync_upd after update on groups
    referencing new table as new_rows old table as old_rows for each statement execute function node_sync_groups_upd();

create function node_sync_membership_ins() returns trigger language plpgsql as $$
begin
    perform node_sync_bump(array(
        select i.node_id from new_rows m
        join subscriptions s on s.owner_id = m.user_id
        join subscription_inbounds si on si.subscription_id = s.id
        join inbounds i on i.id = si.inbound_id));
    return null;
end $$;

create function node_sync_membership_del() returns trigger language plpgsql as $$
begin
    perform node_sync_bump(array(
        select i.node_id from old_rows m
        join subscriptions s on s.owner_id = m.user_id
        join subscription_inbounds si on si.subscription_id = s.id
        join inbounds i on i.id = si.inbound_id));
    return null;
end $$;

create trigger user_groups_node_sync_ins after insert on user_groups
    referencing new table as new_rows for each statement execute function node_sync_membership_ins();
create trigger user_groups_node_sync_del after delete on user_groups
    referencing old table as old_rows for each statement execute function node_sync_membership_del();

create function node_sync_users_upd() returns trigger language plpgsql as $$
begin
    perform node_sync_bump(array(
        select i.node_id from new_rows n join old_rows o on o.id = n.id
        join subscriptions s on s.owner_id = n.id
        join subscription_inbounds si on si.subscription_id = s.id
        join inbounds i on i.id = si.inbound_id
        where n.disabled is distinct from o.disabled));
    return null;
end $$;

create trigger users_node_sync_upd after update on users
    referencing new table as new_rows old table as old_rows for each statement execute function node_sync_users_upd();

-- Node tokens in Redis (Ingest's view). published = Redis reflects the row's current state: the key is present
-- while the token is active and absent once it is revoked. The Api sets it after a successful publish; the token
-- reconciler works through the rows where it is false, so a token committed while Redis was down converges.
alter table node_tokens add column published boolean not null default false;
create index node_tokens_unpublished on node_tokens (id) where not published;

-- Deleted token rows (a node's deletion cascades to its tokens) whose Redis key may still exist: the reconciler
-- deletes the key, then the row. Without this a deleted node's token would stay valid in Ingest.
create table node_token_removals (
    key_hash   bytea primary key,
    token_id   uuid not null,
    removed_at timestamptz not null default now()
);

create function node_token_removals_ins() returns trigger language plpgsql as $$
begin
    insert into node_token_removals (key_hash, token_id)
    select key_hash, id from old_rows
    on conflict (key_hash) do nothing;
    return null;
end $$;

create trigger node_tokens_removed after delete on node_tokens
    referencing old table as old_rows for each statement execute function node_token_removals_ins();

-- Audit log filters (actor, action, target) page newest first on the id.
create index audit_log_actor_id on audit_log (actor_id, id desc);
create index audit_log_action_id on audit_log (action, id desc);
create index audit_log_target_id on audit_log (target, id desc);
