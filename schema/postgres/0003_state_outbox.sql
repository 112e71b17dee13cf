-- Transactional outbox for the subscription state Ingest reads from Redis (issue 3: "publishes its state hash to
-- Redis in the same unit of work as the Postgres change"). Triggers enqueue the id of every subscription whose
-- effective state may have changed, inside the changing transaction, whatever code path made the change (one
-- row, a bulk statement, a group edit that touches thousands of subscriptions). A dispatcher publishes and deletes
-- rows; a deleted subscription's row tells it to remove the hash. Statement-level triggers with transition tables
-- keep bulk changes set-based.
create table state_outbox (
    subscription_id uuid primary key,
    enqueued_at     timestamptz not null default now()
);

create function state_outbox_enqueue(ids uuid[]) returns void language sql as $$
    insert into state_outbox (subscription_id)
    select distinct unnest(ids)
    on conflict (subscription_id) do update set enqueued_at = excluded.enqueued_at;
    select pg_notify('state_outbox', '');
$$;

create function state_outbox_subscriptions_ins() returns trigger language plpgsql as $$
begin
    perform state_outbox_enqueue(array(select id from new_rows));
    return null;
end $$;

create function state_outbox_subscriptions_upd() returns trigger language plpgsql as $$
begin
    perform state_outbox_enqueue(array(
        select n.id from new_rows n join old_rows o on o.id = n.id
        where (n.owner_id, n.max_traffic, n.traffic_reset_period, n.reset_anchor, n.expires_at, n.is_suspended, n.max_speed)
              is distinct from
              (o.owner_id, o.max_traffic, o.traffic_reset_period, o.reset_anchor, o.expires_at, o.is_suspended, o.max_speed)));
    return null;
end $$;

create function state_outbox_subscriptions_del() returns trigger language plpgsql as $$
begin
    perform state_outbox_enqueue(array(select id from old_rows));
    return null;
end $$;

create trigger subscriptions_state_ins after insert on subscriptions
    referencing new table as new_rows for each statement execute function state_outbox_subscriptions_ins();
create trigger subscriptions_state_upd after update on subscriptions
    referencing new table as new_rows old table as old_rows for each statement execute function state_outbox_subscriptions_upd();
create trigger subscriptions_state_del after delete on subscriptions
    referencing old table as old_rows for each statement execute function state_outbox_subscriptions_del();

-- Group limits feed every member's subscriptions through subscription_limits.
create function state_outbox_groups_upd() returns trigger language plpgsql as $$
begin
    perform state_outbox_enqueue(array(
        select s.id from new_rows n join old_rows o on o.id = n.id
        join user_groups ug on ug.group_id = n.id
        join subscriptions s on s.owner_id = ug.user_id
        where (n.max_traffic, n.max_speed, n.traffic_reset_period) is distinct from (o.max_traffic, o.max_speed, o.traffic_reset_period)));
    return null;
end $$;

create trigger groups_state_upd after update on groups
    referencing new table as new_rows old table as old_rows for each statement execute function state_outbox_groups_upd();

create function state_outbox_membership_ins() returns trigger language plpgsql as $$
begin
    perform state_outbox_enqueue(array(select s.id from new_rows m join subscriptions s on s.owner_id = m.user_id));
    return null;
end $$;

create function state_outbox_membership_del() returns trigger language plpgsql as $$
begin
    perform state_outbox_enqueue(array(select s.id from old_rows m join subscriptions s on s.owner_id = m.user_id));
    return null;
end $$;

create trigger user_groups_state_ins after insert on user_groups
    referencing new table as new_rows for each statement execute function state_outbox_membership_ins();
create trigger user_groups_state_del after delete on user_groups
    referencing old table as old_rows for each statement execute function state_outbox_membership_del();
