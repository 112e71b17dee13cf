-- Staff levels (issue 13, part 4; docs/api-accounts.md, "Roles"): two more roles beside superuser, operator and
-- customer. `support` reads users, subscriptions, devices, payments and usage and changes nothing but devices and
-- config links. `reseller` is a scoped operator: it sees and manages only the customers and subscriptions it created
-- (`created_by`), within the quota a superuser sets in `reseller_quotas`.
alter table users drop constraint users_role_check;
alter table users add constraint users_role_check check (role in ('superuser', 'operator', 'reseller', 'support', 'customer'));

-- Who created the row through the Api (null: created before this migration, by registration or by a payment). Only a
-- reseller's own rows matter for scoping. No foreign key, like audit_log.actor_id: a record of who acted, which
-- outlives the actor's account (a deleted reseller's rows are then reached by unscoped staff only).
alter table users add column created_by uuid;
alter table subscriptions add column created_by uuid;

-- A reseller's lists are pages of its own rows in id order; its quota sums read the same index.
create index users_created_by on users (created_by, id) where created_by is not null;
create index subscriptions_created_by on subscriptions (created_by, id) where created_by is not null;

-- One row per reseller, set by a superuser. Nothing is allowed until it is set (no row: no quota); the limits are
-- explicit numbers and lists, never null, so "unlimited" is a decision, not a default. A creating transaction locks
-- the row (select ... for update) before it counts, so concurrent creates cannot both take the last slot.
create table reseller_quotas (
    reseller_id       uuid primary key references users (id) on delete cascade,
    max_subscriptions integer not null check (max_subscriptions >= 0),
    -- The sum of max_traffic (bytes) over the reseller's subscriptions; each of them must have one.
    max_total_traffic bigint not null check (max_total_traffic >= 0),
    allowed_plans     uuid[] not null default '{}',
    allowed_inbounds  uuid[] not null default '{}',
    version           bigint not null default 1,
    updated_at        timestamptz not null default now(),
    updated_by        uuid
);
