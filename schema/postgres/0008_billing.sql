-- Billing (issue 4): plans, payments, signed provider webhooks, invoices, refunds and the billing side of a
-- subscription (docs/billing-webhooks.md). Money is `numeric` (never float) with an ISO 4217 currency; the
-- application checks the code and the currency's minor units (src/Api/Features/Billing/Currencies.cs). Amounts are
-- never summed across currencies.

-- A plan (tariff). A retired plan (is_active = false) is not sold but stays readable for its payments and invoices.
create table plans (
    id                   uuid primary key,
    name                 text not null,
    description          text not null default '',
    price                numeric not null check (price > 0),
    currency             text not null check (currency ~ '^[A-Z]{3}$'),
    -- ISO 8601 duration one purchase adds (calendar months and years, like traffic reset periods).
    duration             text not null,
    max_traffic          bigint check (max_traffic >= 0),
    max_speed            bigint check (max_speed >= 0),
    traffic_reset_period text,
    device_limit         integer check (device_limit >= 1),
    is_active            boolean not null default true,
    version              bigint not null default 1,
    created_at           timestamptz not null default now(),
    updated_at           timestamptz not null default now()
);
create index plans_active on plans (id) where is_active;

-- What a plan grants: single inbounds, and whole nodes (every inbound of the node at the time of each completion).
create table plan_inbounds (
    plan_id    uuid not null references plans (id) on delete cascade,
    inbound_id uuid not null references inbounds (id) on delete cascade,
    primary key (plan_id, inbound_id)
);
create index plan_inbounds_inbound on plan_inbounds (inbound_id);

create table plan_nodes (
    plan_id uuid not null references plans (id) on delete cascade,
    node_id uuid not null references nodes (id) on delete cascade,
    primary key (plan_id, node_id)
);
create index plan_nodes_node on plan_nodes (node_id);

-- One purchase attempt. Amount, currency and duration are copied from the plan when the purchase starts, so a price
-- change later does not change what this payment is for. (customer_id, idempotency_key) makes a repeated purchase
-- request return the same row; request_hash tells a true repeat from a different request under a reused key.
-- A customer with payments cannot be deleted (financial records stay); disable the account instead.
create table payments (
    id                  uuid primary key,
    customer_id         uuid not null references users (id),
    plan_id             uuid not null references plans (id),
    amount              numeric not null check (amount > 0),
    currency            text not null check (currency ~ '^[A-Z]{3}$'),
    duration            text not null,
    provider            text not null,
    -- The provider's own reference, learned from its events (our id is what the provider echoes as payment_id).
    provider_payment_id text,
    status              text not null default 'pending'
                        check (status in ('pending', 'succeeded', 'failed', 'partially_refunded', 'refunded')),
    refunded_amount     numeric not null default 0 check (refunded_amount >= 0 and refunded_amount <= amount),
    idempotency_key     text not null,
    request_hash        bytea not null,
    subscription_id     uuid references subscriptions (id) on delete set null,
    -- The period this payment added to the subscription: from the later of the completion time and the previous
    -- expiry, to the new expiry. A full refund takes exactly this length back.
    period_start        timestamptz,
    period_end          timestamptz,
    failure_reason      text,
    created_at          timestamptz not null default now(),
    completed_at        timestamptz,
    unique (customer_id, idempotency_key)
);
create index payments_customer_id on payments (customer_id, id);
create index payments_plan_id on payments (plan_id, id);
create index payments_status_id on payments (status, id);
create unique index payments_provider_ref on payments (provider, provider_payment_id) where provider_payment_id is not null;

-- Every provider event that passed the signature check, once per (provider, event id): the insert is the
-- idempotency gate, so the same event delivered twice (or twice at once) is applied once. outcome says what it did.
create table payment_events (
    provider    text not null,
    event_id    text not null,
    type        text not null,
    payment_id  uuid references payments (id),
    outcome     text not null check (outcome in ('applied', 'no_change', 'ignored')),
    received_at timestamptz not null default now(),
    primary key (provider, event_id)
);
create index payment_events_payment on payment_events (payment_id);

-- Refunds against a payment; payments.refunded_amount is their sum, kept under the payment's row lock, and its
-- check constraint makes "more than was paid" impossible whatever path writes.
create table refunds (
    id          uuid primary key,
    payment_id  uuid not null references payments (id),
    amount      numeric not null check (amount > 0),
    reason      text not null default '',
    actor_id    uuid,
    ended_period boolean not null default false,
    created_at  timestamptz not null default now()
);
create index refunds_payment on refunds (payment_id, id);

-- Invoice numbers are INV-<year>-<nnnnnn>, gap-free per year: the counter row is incremented inside the completing
-- transaction (a sequence would leave gaps on rollback), and the row lock orders concurrent completions.
create table invoice_counters (
    year        integer primary key,
    last_number bigint not null
);

create table invoices (
    id          uuid primary key,
    number      text not null unique,
    year        integer not null,
    seq         bigint not null,
    payment_id  uuid not null unique references payments (id),
    customer_id uuid not null references users (id),
    plan_id     uuid not null references plans (id),
    plan_name   text not null,
    amount      numeric not null check (amount > 0),
    currency    text not null check (currency ~ '^[A-Z]{3}$'),
    period_start timestamptz,
    period_end  timestamptz,
    issued_at   timestamptz not null,
    unique (year, seq)
);
create index invoices_customer_id on invoices (customer_id, id);
create index invoices_plan_id on invoices (plan_id, id);

-- The billing side of a subscription bought through a plan: auto-renew (the customer cancels and resumes it), the
-- plan's device limit, the last payment, and the expiry instant the expiry job last recorded (so each expiry is
-- recorded once, and again after a renewal that later lapses).
create table subscription_billing (
    subscription_id  uuid primary key references subscriptions (id) on delete cascade,
    customer_id      uuid not null references users (id) on delete cascade,
    plan_id          uuid not null references plans (id),
    auto_renew       boolean not null default true,
    device_limit     integer,
    last_payment_id  uuid references payments (id),
    expiry_noted_for timestamptz,
    updated_at       timestamptz not null default now()
);
create index subscription_billing_customer_plan on subscription_billing (customer_id, plan_id);
